// One transaction from the page: build the call, sign it in the wallet, submit it, and follow it
// (server-sent events, with polling as the fallback) while a step list and a live region show
// signing → ready → in block → finalized, or the failure in words.
import { apiGet, apiPost, apiUrl, type ApiErrorBody, ApiRequestError, type CallAnswer, type TxRecord } from './api';
import { callDescription, callRequestBody } from './call-bytes';
import { h } from './dom';
import { LoginMessageMismatchError } from './login-message-check';
import { checkSigningPayload, PayloadMismatchError, type SigningExpectation } from './payload-check';
import { submittedRecordOf, txRecordOf } from './tx-record';
import { apiText } from './untrusted-text';
import { signTransaction, WalletError } from './wallet';

const STEPS = [
  { key: 'signing', label: 'Sign in wallet' },
  { key: 'ready', label: 'Ready' },
  { key: 'inBlock', label: 'In block' },
  { key: 'finalized', label: 'Finalized' },
] as const;
type Step = (typeof STEPS)[number]['key'];

const STEP_OF: Partial<Record<TxRecord['status'], Step>> = { submitted: 'ready', future: 'ready', ready: 'ready', broadcast: 'ready', retracted: 'ready', inBlock: 'inBlock', finalized: 'finalized' };

export class TxProgress {
  readonly #list: HTMLOListElement;
  readonly #message: HTMLParagraphElement;
  readonly #error: HTMLParagraphElement;

  constructor(readonly root: HTMLElement) {
    this.#list = h('ol', { class: 'steps', 'aria-label': 'Transaction progress' }, ...STEPS.map((s) => h('li', { 'data-step': s.key }, s.label)));
    this.#message = h('p', { role: 'status', 'aria-live': 'polite', class: 'tx-message' });
    this.#error = h('p', { role: 'alert', class: 'tx-error', hidden: true });
    root.replaceChildren(this.#list, this.#message, this.#error);
    root.hidden = true;
  }

  show(step: Step, message: string): void {
    this.root.hidden = false;
    this.root.dataset.state = step;
    this.#error.hidden = true;
    const reached = STEPS.findIndex((s) => s.key === step);
    this.#list.querySelectorAll('li').forEach((li, index) => {
      li.className = index < reached || step === 'finalized' ? 'done' : index === reached ? 'current' : '';
      if (index === reached) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    this.#message.textContent = message;
  }

  fail(message: string): void {
    this.root.hidden = false;
    this.root.dataset.state = 'failed';
    this.#list.querySelector('[aria-current]')?.classList.add('failed');
    this.#message.textContent = '';
    this.#error.hidden = false;
    this.#error.textContent = message;
  }
}

/**
 * Has the API build the call, checks that what it built is `expected` (checkSigningPayload),
 * asks the wallet to sign it and follows it; resolves with the final record, or undefined when it
 * failed.
 */
export async function runTransaction(progress: TxProgress, expected: SigningExpectation): Promise<TxRecord | undefined> {
  try {
    progress.show('signing', 'Preparing the transaction…');
    const call = await apiPost<CallAnswer>(`/calls/${expected.call.action}`, callRequestBody(expected.call, expected.signer));
    const payload = checkSigningPayload(call?.payload, expected);
    // The page's own words for what it checked, not the API's description.
    progress.show('signing', `Approve in your wallet: ${callDescription(expected.call)}.`);
    const signed = await signTransaction(expected.signer, payload);
    const submission = signed.signedTransaction ? { extrinsic: signed.signedTransaction } : { payload, signature: signed.signature };
    const record = submittedRecordOf(await apiPost<unknown>('/extrinsics', submission));
    if (!record) {
      progress.fail('The registry\'s API answered the signed transaction with something other than its record, so the page cannot follow it. It may have been submitted: check your account before trying again.');
      return undefined;
    }
    const final = await follow(record, (current) => progress.show(STEP_OF[current.status] ?? 'ready', describe(current)));
    if (final.status === 'failed') {
      // Failed calls are still included (and pay their fee): mark the block step as the failed one.
      if (final.blockNumber !== undefined) progress.show('inBlock', '');
      progress.fail(final.error?.message || 'The transaction failed.');
      return undefined;
    }
    progress.show('finalized', describe(final));
    return final;
  } catch (error) {
    progress.fail(errorText(error));
    return undefined;
  }
}

function describe(record: TxRecord): string {
  switch (STEP_OF[record.status]) {
    case 'inBlock':
      return `In block #${record.blockNumber}; waiting for finality…`;
    case 'finalized':
      return `Finalized in block #${record.blockNumber}.`;
    default:
      return 'Submitted; waiting for the next block…';
  }
}

export function errorText(error: unknown): string {
  if (error instanceof ApiRequestError) return fieldText(error.body);
  if (error instanceof WalletError || error instanceof PayloadMismatchError || error instanceof LoginMessageMismatchError) return error.message;
  // Whatever else failed may quote anything it was handed (an answer that did not parse).
  return `Something went wrong: ${apiText(String((error as Error)?.message ?? error))}`;
}

const sentence = (text: string) => (text ? `${text[0].toUpperCase()}${text.slice(1)}${/[.!?…]$/.test(text) ? '' : '.'}` : 'The registry refused without saying why. Try again later.');
/** The message is already cut and escaped (ApiRequestError). */
const fieldText = (body: ApiErrorBody) => sentence(body.message);

/**
 * Server-sent events until finalized or failed; polling once the stream breaks or sends an event
 * that is not a record of this transaction. Such an event is not skipped: it may have been the
 * one that said the transaction was final, after which the stream sends nothing more but
 * keep-alives for as long as it (or a proxy) holds it open, and the page would show a stale step
 * all that while. A poll reads the whole current record, so nothing the bad event said is lost.
 */
function follow(first: TxRecord, onChange: (record: TxRecord) => void): Promise<TxRecord> {
  onChange(first);
  if (first.status === 'finalized' || first.status === 'failed') return Promise.resolve(first);
  return new Promise((resolve) => {
    const source = new EventSource(apiUrl(first.links.events));
    let done = false;
    const stop = () => {
      done = true;
      source.close();
    };
    const fallBack = () => {
      if (done) return;
      stop();
      poll(first, onChange).then(resolve);
    };
    source.addEventListener('status', (event) => {
      if (done) return;
      const record = txRecordOf(parsed((event as MessageEvent<string>).data), first);
      if (!record) return fallBack();
      onChange(record);
      if (record.status === 'finalized' || record.status === 'failed') {
        stop();
        resolve(record);
      }
    });
    source.addEventListener('error', fallBack);
  });
}

function parsed(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

const POLL_LIMIT_MS = 10 * 60_000;

async function poll(first: TxRecord, onChange: (record: TxRecord) => void): Promise<TxRecord> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // An answer that is not this transaction's record counts as no answer: asked again next second.
    const record = txRecordOf(await apiGet<unknown>(first.links.status).catch(() => undefined), first);
    if (!record) continue;
    onChange(record);
    if (record.status === 'finalized' || record.status === 'failed') return record;
  }
  return { ...first, status: 'failed', error: { code: 'Client.Timeout', message: 'The registry stopped reporting on the transaction. It may still be included: check your account before trying again.', docs: '' } };
}

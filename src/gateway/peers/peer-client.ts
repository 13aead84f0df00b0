// One peer: another gateway (or any IPFS trustless gateway) asked for content over HTTP. Nothing
// it sends is trusted: callers check every block against its CID (verified-dag.ts). A peer that
// stalls (no answer within `stallMs`, then less than 64 KiB of it in each `stallMs`) is given up
// on, one that is down at once. One that is busy (429 or 503 with a short Retry-After) is asked
// again once the wait it named is over (busy-peer.ts), unless the caller has other peers to ask
// meanwhile, and CARs asked of one peer at once are bounded below what a trustless gateway admits
// of one client (car-slots.ts).
import type { CID } from 'multiformats/cid';
import { dagCborModule, ipfsModules } from '../../ipfs/esm';
import { busyWaitMs, MAX_BUSY_TOTAL_MS, MAX_BUSY_WAIT_MS, MAX_BUSY_WAITS, waitOut } from './busy-peer';
import { CarSlots } from './car-slots';
import { CarFormatError, carSections, checkCarHeader, MAX_CAR_SECTION_BYTES } from './car-stream';
import { PeerFormatError } from './format-error';
import { type PeerAnswer, peerGet } from './peer-http';
import { RedirectRefused } from './redirect-guard';
import { MIN_PROGRESS_BYTES } from './stall-watch';

/** Why a peer was passed over (the reason label of hcr_gateway_peer_failures_total). */
export type PeerFailure = 'unreachable' | 'stalled' | 'slow' | 'busy' | 'http_error' | 'not_found' | 'wrong_bytes' | 'cut_short' | 'malformed' | 'out_of_order' | 'too_large' | 'missing_block' | 'other';

export class PeerError extends Error {
  override readonly name = 'PeerError';
  constructor(readonly peer: string, message: string, readonly reason: PeerFailure) {
    super(`peer ${peer}: ${message}`);
  }
}

/**
 * A busy answer (busy-peer.ts) to a request that was not to wait for it (BusyTurn.passOver): the
 * caller asks its other peers first, and this one again only if none of them serves, passing
 * this answer on (BusyTurn.after) so that its wait is what is left of it.
 */
export class PeerBusyError extends PeerError {
  /** When (performance.now()) the wait the peer asked for is over. */
  readonly askAgainAt: number;
  constructor(peer: string, message: string, readonly waitMs: number) {
    super(peer, message, 'busy');
    this.askAgainAt = performance.now() + waitMs;
  }
}

/** How one request meets a busy peer (busy-peer.ts). */
export interface BusyTurn {
  /**
   * Another peer can be asked meanwhile: a busy answer ends the request at once (PeerBusyError)
   * rather than being waited out, so that a busy first peer does not hold the pull for seconds.
   */
  readonly passOver?: boolean;
  /**
   * This peer's busy answer to an earlier request of the same fetch: what is left of its wait is
   * waited before the request goes out, and counts as one wait of MAX_BUSY_WAITS and
   * MAX_BUSY_TOTAL_MS, so asking the others first does not widen the bounds.
   */
  readonly after?: PeerBusyError;
  /** Told of each busy answer that is waited out (metrics). */
  readonly waiting?: () => void;
}

/** A peer's URL as metrics show it: without any credentials in it (log lines are scrubbed of them by the logger). */
export function peerLabel(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
}

/**
 * The caller's clock of a peer's pace (slow-peers.ts): stopped while a request waits on this
 * gateway's own queue (car-slots.ts) or on a busy peer's Retry-After, time that says nothing of
 * how fast the peer sends.
 */
export interface PaceClock {
  pause(): void;
  resume(): void;
}

export interface PeerBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

export class PeerClient {
  readonly url: string;
  /** The URL without credentials, for metrics. */
  readonly label: string;
  readonly #stallMs: number;
  readonly #carSlots: CarSlots;
  /**
   * Until when (performance.now()) the peer last asked to be left alone: a fetch that starts
   * meanwhile asks it after its other peers (verified-dag.ts), so a pull of many layers does not
   * meet the same busy answer once per layer.
   */
  #busyUntil = 0;

  /** `carSlots`: shared by the clients of peers at one origin (the peer counts CARs by client address). */
  constructor(url: string, options: { stallMs?: number; carSlots?: CarSlots } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.label = peerLabel(this.url);
    this.#stallMs = options.stallMs ?? 10_000;
    this.#carSlots = options.carSlots ?? new CarSlots(undefined, this.#stallMs);
  }

  /** Whether the peer answered busy and the wait it asked for is not over yet. */
  get busyNow(): boolean {
    return this.#busyUntil > performance.now();
  }

  /** One block, as `?format=raw`; undefined when the peer does not have it (404). */
  async block(cid: CID, signal?: AbortSignal, busy: BusyTurn = {}): Promise<Uint8Array | undefined> {
    await waitRest(busy.after, signal);
    const answer = await this.#ask(`/ipfs/${cid}?format=raw`, 'application/vnd.ipld.raw', signal, undefined, busy);
    if (!answer) return undefined;
    const peer = this.url;
    // No block is larger than a CAR section may be: a peer that sends more is not sending one,
    // and is not let fill memory.
    const read = async () => {
      const chunks: Uint8Array[] = [];
      let length = 0;
      for await (const chunk of answer.body) {
        length += chunk.byteLength;
        if (length > MAX_CAR_SECTION_BYTES) throw new PeerError(peer, `sent more than ${MAX_CAR_SECTION_BYTES} bytes as block ${cid}; no block is that large`, 'too_large');
        chunks.push(chunk);
      }
      return new Uint8Array(Buffer.concat(chunks, length));
    };
    try {
      return await withStallLimit(read(), this.#stallMs, () => new PeerError(peer, `sent no block ${cid} within ${this.#stallMs} ms`, 'stalled'));
    } catch (error) {
      answer.close();
      if (signal?.aborted || error instanceof PeerError) throw error;
      throw new PeerError(peer, `cut block ${cid} short (${(error as Error).message})`, 'cut_short');
    }
  }

  /**
   * The DAG under `cid` as a CAR (depth-first), block by block; undefined when the peer does not
   * have it. With `from`, only what the file's bytes from that offset on need (entity-bytes): the
   * nodes on the way down to it, then every block after it. Its slot (car-slots.ts) is held
   * until the CAR is read to its end, let go of, or `signal` aborts: a caller that may leave the
   * CAR unread aborts the signal once done.
   */
  async car(cid: CID, signal?: AbortSignal, options: { from?: number; pace?: PaceClock; busy?: BusyTurn } = {}): Promise<AsyncIterable<PeerBlock> | undefined> {
    const range = options.from ? `&entity-bytes=${options.from}:*` : '';
    options.pace?.pause();
    let release: () => void;
    try {
      // The rest of an earlier busy answer's wait is waited without a slot: a CAR of another
      // fetch to this origin may go out meanwhile.
      await waitRest(options.busy?.after, signal);
      release = await this.#carSlots.take(signal);
    } finally {
      options.pace?.resume();
    }
    signal?.addEventListener('abort', release, { once: true });
    const letGo = () => {
      signal?.removeEventListener('abort', release);
      release();
    };
    let answer: PeerAnswer | undefined;
    try {
      answer = await this.#ask(`/ipfs/${cid}?format=car&dag-scope=all${range}`, 'application/vnd.ipld.car; version=1; order=dfs; dups=y', signal, options.pace, options.busy);
    } finally {
      if (!answer) letGo();
    }
    if (!answer) return undefined;
    const body = answer;
    const peer = this.url;
    const m = await ipfsModules();
    const { decode } = await dagCborModule();
    return (async function* () {
      try {
        yield* carSections(m, body.body, {
          onHeader: (header) => {
            // The CAR of another DAG is not the one asked for, whatever its blocks: refused at its
            // header, before a block of it is read.
            const roots = checkCarHeader(decode, header);
            if (!roots.some((root) => m.CID.asCID(root)?.toV1().equals(cid.toV1()))) {
              throw new CarFormatError(`its CAR's root is ${roots.map((root) => String(m.CID.asCID(root) ?? '(no CID)').slice(0, 100)).join(', ')}, not ${cid}, which was asked for`);
            }
          },
        });
      } catch (error) {
        if (error instanceof PeerError) throw error;
        const malformed = error instanceof PeerFormatError && !error.truncated;
        throw new PeerError(peer, `sent a CAR that is ${malformed ? 'malformed' : 'cut short'} (${(error as Error).message})`, malformed ? 'malformed' : 'cut_short');
      } finally {
        // However the reading ends (done, a bad block, a stall), the connection is let go of.
        body.close();
        letGo();
      }
    })();
  }

  /**
   * The peer's answer to a GET of `path` (over node:http: the first cold read of a gateway does not
   * wait for fetch's HTTP client to load); undefined when it does not have it (404, 410). The
   * answer's headers must come within stallMs, and then 64 KiB of its body in each stallMs. A busy
   * answer is waited out and the GET sent again (busy-peer.ts), `pace` stopped meanwhile, or with
   * `busy.passOver` ends the request as a PeerBusyError.
   */
  async #ask(path: string, accept: string, signal?: AbortSignal, pace?: PaceClock, busy: BusyTurn = {}): Promise<PeerAnswer | undefined> {
    let waited = busy.after?.waitMs ?? 0;
    for (let waits = busy.after ? 1 : 0; ; waits++) {
      const answer = await this.#send(path, accept, signal);
      if (answer.status === 404 || answer.status === 410) {
        answer.close();
        return undefined;
      }
      if (answer.status >= 200 && answer.status < 300) {
        this.#busyUntil = 0;
        return this.#unencoded(answer);
      }
      answer.close();
      const retryAfter = answer.headers['retry-after'];
      const waitMs = busyWaitMs(answer.status, retryAfter);
      if (waitMs !== undefined) this.#busyUntil = Math.max(this.#busyUntil, performance.now() + waitMs);
      if (waitMs === undefined || waits >= MAX_BUSY_WAITS || waited + waitMs > MAX_BUSY_TOTAL_MS) {
        let why = '';
        if (waitMs !== undefined) why = `, busy still after ${waits} waits (${waited / 1000} s) of the Retry-After it asked for`;
        else if (retryAfter !== undefined && (answer.status === 429 || answer.status === 503)) why = ` with Retry-After: ${String(retryAfter).slice(0, 40)}, not a wait of ${MAX_BUSY_WAIT_MS / 1000} s or less`;
        throw new PeerError(this.url, `answered HTTP ${answer.status}${why}`, 'http_error');
      }
      if (busy.passOver) throw new PeerBusyError(this.url, `answered HTTP ${answer.status} with Retry-After: ${String(retryAfter).slice(0, 40)}, busy`, waitMs);
      busy.waiting?.();
      waited += waitMs;
      pace?.pause();
      try {
        await waitOut(waitMs, signal);
      } finally {
        pace?.resume();
      }
    }
  }

  /** One GET of `path`: its answer whatever its status, or a PeerError saying why there is none. */
  async #send(path: string, accept: string, signal?: AbortSignal): Promise<PeerAnswer> {
    const stallMs = this.#stallMs;
    const peer = this.url;
    const ask = () =>
      peerGet(`${this.url}${path}`, {
        accept,
        stallMs,
        // A peer that holds the answer open and sends nothing is given up on.
        stallError: (phase) => new PeerError(peer, phase === 'answer' ? `sent no answer within ${stallMs} ms` : `sent less than ${MIN_PROGRESS_BYTES / 1024} KiB of its answer in ${stallMs} ms`, 'stalled'),
        signal,
      });
    try {
      return await sendAgainIfClosed(ask, (error) => signal?.aborted === true || error instanceof PeerError);
    } catch (error) {
      if (signal?.aborted || error instanceof PeerError) throw error;
      if (error instanceof RedirectRefused) throw new PeerError(this.url, error.message, 'http_error');
      // Up, but not answering in HTTP (a head that runs on, a status line that is none).
      if (error instanceof PeerFormatError && !error.truncated) throw new PeerError(this.url, `sent an answer that is not one (${(error as Error).message})`, 'malformed');
      throw new PeerError(this.url, `is unreachable (${(error as Error).message})`, 'unreachable');
    }
  }

  /** A 2xx answer, unless it comes with a Content-Encoding. */
  #unencoded(answer: PeerAnswer): PeerAnswer {
    // No encoding is asked for (no Accept-Encoding): a compressed body is not the block or CAR
    // whose bytes are checked, and is not inflated here (a small body may inflate without bound).
    const encoding = answer.headers['content-encoding'];
    if (encoding !== undefined && !/^\s*(identity)?\s*$/i.test(String(encoding))) {
      answer.close();
      throw new PeerError(this.url, `answered with Content-Encoding: ${String(encoding).slice(0, 40)}, which was not asked for; a peer must send blocks and CARs as they are (check its proxy's compression settings)`, 'malformed');
    }
    return answer;
  }
}

/** Waits what is left of the wait a busy answer asked for (none once it is over); `signal` ends it at once. */
async function waitRest(busy: PeerBusyError | undefined, signal?: AbortSignal): Promise<void> {
  if (busy) await waitOut(Math.max(0, busy.askAgainAt - performance.now()), signal);
}

/**
 * A kept-alive connection the peer closed as the request went out: a GET is safe to send again, on
 * a new connection, once (unless `final` says the failure is the caller's own: an abort, a stall).
 */
async function sendAgainIfClosed<T>(ask: () => Promise<T>, final: (error: unknown) => boolean): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (final(error) || !closedUnderneath(error)) throw error;
    return ask();
  }
}

/** Whether the request failed because the connection closed under it (not a refusal or a DNS error). */
function closedUnderneath(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function withStallLimit<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  // Given up on, the work may still fail later (its connection cut): that is no one's concern.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

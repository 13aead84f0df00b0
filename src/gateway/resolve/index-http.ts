// The gateway's one HTTP client for the index's GraphQL. `hcr graphql` answers each client at most
// GQL_MAX_CONCURRENT_PER_CLIENT requests at once (default 8), refusing the next with 429 and
// Retry-After, and it knows clients by address: pull lookups, the doors' listings, the page's
// /api/graphql relay and /readyz all come from the gateway's one address. Each sending on its own
// made the sum pass the bound under load, and the refusals landed on whichever asked next. So they
// share this client, which sends at most that many requests at once (others wait for a place,
// within their deadline), takes a smaller bound named by a 429 as its own, and sends a refused
// request again after the wait the server asks for: at most a few times, and only while the wait
// ends before the request's deadline. A relay that only retried would turn a busy index into a
// storm of refused requests; one that waited as long as told could hold a pull for as long as
// anyone's answer says. Each request says who asks (QueryKind): pulls' lookups have places kept
// for them and go first in line, so listings and relayed queries from anyone cannot hold them all.
// The gateway's client sends nothing before its admission says the index is of the gateway's
// chain (index-chain-check.ts).
import { splitUrlLogin, type UrlLogin } from '../../config/url-login';
import { keptForPulls, type QueryKind, QueryPlaces } from './query-places';

export type { QueryKind } from './query-places';

export class IndexUnavailableError extends Error {
  override readonly name = 'IndexUnavailableError';

  /** The wait the index asked for, when it refused the request. */
  readonly retryAfterSeconds?: number;
  /** Why the index could not be reached at all (the connection's error), when that was the failure. */
  readonly unreachable?: string;
  /** Logged where it was found, once per change of state (an index of another chain): a log per request leaves it out. */
  readonly reported?: boolean;

  constructor(message: string, details: { retryAfterSeconds?: number; unreachable?: string; reported?: boolean } = {}) {
    super(message);
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.unreachable = details.unreachable;
    this.reported = details.reported;
  }
}

/** Whether a failure to ask the index was logged already where it was found (IndexUnavailableError.reported). */
export function reportedAlready(error: unknown): boolean {
  return error instanceof IndexUnavailableError && error.reported === true;
}

/**
 * What every request waits for before it is sent (index-chain-check.ts): `admit` resolves when
 * the index's answers may be used and throws IndexUnavailableError when they may not.
 */
export interface IndexAdmission {
  admit(): Promise<void>;
}

/** Requests in flight at once unless told: `hcr graphql`'s default GQL_MAX_CONCURRENT_PER_CLIENT. */
export const DEFAULT_INDEX_CONCURRENCY = 8;
/** Times a request refused with 429 is sent again unless told. */
export const DEFAULT_INDEX_RETRIES = 3;
/** The wait after a 429 without a readable Retry-After, as `hcr graphql` asks for. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

export interface IndexHttpOptions {
  /** Requests sent at once: at most the server's per-client bound (a 429 naming a smaller one lowers it). */
  readonly maxConcurrent?: number;
  /** Times a request refused with 429 is sent again. */
  readonly maxRetries?: number;
  /** Given this client, what its requests wait for before they are sent (an index of another chain is asked nothing). */
  readonly admission?: (index: IndexHttp) => IndexAdmission;
}

export interface IndexRequest {
  /** The deadline (ms): waiting for a place, every attempt, every wait between them and reading the answer. */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Who asks; default `listing`, which leaves the places kept for pulls to them. */
  readonly kind?: QueryKind;
  /** Default `follow`, as fetch. */
  readonly redirect?: 'follow' | 'manual' | 'error';
  /** Sent without waiting for the admission: only its own query, which asks whether the index may be used. */
  readonly unchecked?: boolean;
}

/** The body of `hcr graphql`'s 429: its error names the bound per client. */
type Refusal = { errors?: { extensions?: { maxConcurrentPerClient?: unknown } }[] };

export class IndexHttp {
  /** The URL as messages name it, without its password. */
  readonly shown: string;
  readonly #login: UrlLogin;
  readonly #maxRetries: number;
  readonly #places: QueryPlaces;
  readonly #admission?: IndexAdmission;

  constructor(url: string, options: IndexHttpOptions = {}) {
    this.#login = splitUrlLogin(url);
    this.shown = this.#login.shown;
    this.#maxRetries = wholeNumber('maxRetries', options.maxRetries ?? DEFAULT_INDEX_RETRIES, 0);
    this.#places = new QueryPlaces(wholeNumber('maxConcurrent', options.maxConcurrent ?? DEFAULT_INDEX_CONCURRENCY, 1));
    this.#admission = options.admission?.(this);
  }

  /** How many requests it sends at once now (lowered by a 429 that names a smaller bound). */
  get maxConcurrent(): number {
    return this.#places.limit;
  }

  /** A GraphQL query's HTTP status and parsed JSON body (undefined when it is not JSON); `kind` as IndexRequest's. */
  graphql<B>(query: string, variables: Record<string, unknown>, timeoutMs: number, kind?: QueryKind): Promise<{ status: number; ok: boolean; body: B | undefined }> {
    return this.exchange(JSON.stringify({ query, variables }), { timeoutMs, kind }, async (response) => ({
      status: response.status,
      ok: response.ok,
      body: (await response.json().catch(() => undefined)) as B | undefined,
    }));
  }

  /**
   * POSTs `body` and gives the answer (anything but a 429) to `read`, holding the place until
   * `read` is done: the server counts a request until its answer is written.
   */
  async exchange<T>(body: string, request: IndexRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(request.timeoutMs);
    const endsAt = Date.now() + request.timeoutMs;
    const kind = request.kind ?? 'listing';
    if (!request.unchecked) await this.#admitted(deadline, request.timeoutMs);
    let release = await this.#place(deadline, request.timeoutMs, kind, false);
    try {
      for (let retries = 0; ; retries += 1) {
        const response = await this.#post(body, request, deadline);
        if (response.status !== 429) return await read(response);
        const refusal = (await response.json().catch(() => undefined)) as Refusal | undefined;
        this.#places.lower(refusal?.errors?.[0]?.extensions?.maxConcurrentPerClient);
        const waitMs = retryAfterMs(response.headers.get('retry-after'));
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        const busy = `the index at ${this.shown} answered 429 (too many requests at once from this gateway)`;
        if (retries >= this.#maxRetries) throw new IndexUnavailableError(`${busy} ${retries + 1} times in a row: other clients at this gateway's address share its bound; raise GQL_MAX_CONCURRENT_PER_CLIENT on the index (0: no bound), or give the gateway an index of its own`, { retryAfterSeconds: seconds });
        if (Date.now() + waitMs >= endsAt) throw new IndexUnavailableError(`${busy} and asked to wait ${Math.ceil(waitMs / 1000)} s, past this query's deadline of ${request.timeoutMs} ms`, { retryAfterSeconds: seconds });
        // While it waits, its place goes to a request within the (maybe lowered) bound; then it
        // is first in line. Requests refused together and sent again together would be refused again.
        release();
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        release = await this.#place(deadline, request.timeoutMs, kind, true);
      }
    } finally {
      release();
    }
  }

  /** Waits for the admission within the request's deadline; the check it waits for goes on for the next request. */
  async #admitted(deadline: AbortSignal, timeoutMs: number): Promise<void> {
    if (!this.#admission) return;
    let onAbort = () => undefined as void;
    const late = new Promise<never>((_, reject) => {
      onAbort = () => reject(new IndexUnavailableError(`the index at ${this.shown} was not asked: whether it is of this gateway's chain was not known within this query's deadline of ${timeoutMs} ms`));
      deadline.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.#admission.admit(), late]);
    } finally {
      deadline.removeEventListener('abort', onAbort);
    }
  }

  async #place(deadline: AbortSignal, timeoutMs: number, kind: QueryKind, first: boolean): Promise<() => void> {
    try {
      return await this.#places.take(deadline, kind, first);
    } catch {
      const limit = this.#places.limit;
      const until = `until this query's deadline of ${timeoutMs} ms`;
      if (kind === 'pull' || keptForPulls(limit) === 0) throw new IndexUnavailableError(`the index at ${this.shown} was not asked: this gateway's ${limit} queries at a time (the index's bound per client) were all running ${until}`);
      const places = this.#places.placesFor(kind);
      throw new IndexUnavailableError(`the index at ${this.shown} was not asked: listings, the page's queries and /readyz may have ${places} of this gateway's ${limit} queries at a time (the others are kept for pulls), and none was free ${until}`);
    }
  }

  async #post(body: string, request: IndexRequest, deadline: AbortSignal): Promise<Response> {
    try {
      return await fetch(this.#login.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...request.headers, ...this.#login.headers },
        body,
        redirect: request.redirect,
        signal: deadline,
      });
    } catch (error) {
      const why = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new IndexUnavailableError(`the index at ${this.shown} did not answer (${why})`, { unreachable: why });
    }
  }
}

/** What an index answer that carries no data says: its HTTP status, and its errors' messages when it has any. */
export function unansweredText(shown: string, answer: { status: number; body?: { errors?: { message: string }[] } }): string {
  const errors = answer.body?.errors ?? [];
  return `the index at ${shown} answered HTTP ${answer.status}${errors.length ? `: ${errors.map((e) => e.message).join('; ')}` : ''}`;
}

/** Retry-After as seconds or an HTTP date; anything else waits as `hcr graphql` asks by default. */
export function retryAfterMs(header: string | null): number {
  const text = header?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - Date.now());
}

function wholeNumber(name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) throw new Error(`the index client's ${name} must be a whole number of at least ${least}, got ${value}`);
  return value;
}

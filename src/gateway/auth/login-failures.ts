// Login tokens whose signature does not check out, counted per client. A login token's signature
// costs about 0.7 ms of CPU to check (sr25519, and a failed one is tried twice: on the
// `<Bytes>`-wrapped text and on the raw one), and anyone may send made-up tokens to the artifact
// doors and the API token routes (/token has its own per-IP limit, http/limits.ts): a client
// keeps a gateway's core busy with a few hundred a second. A client whose tokens failed too often is answered 429 before any more are
// checked. A client holding a real key never sends a bad signature, so honest clients sharing
// the address are refused only while such a flood from it lasts; expired or mistyped tokens are
// not counted (they cost no more than any request, and docker retries with them).
import { rateMessage } from '../../limits/upload-admission';
import { type RateLimit, RateLimiter } from '../../limits/rate-limiter';
import { CredentialError } from './credentials';
import { type LoginClaims, LoginTokenError, verifyLoginToken, type VerifyLoginOptions } from './login-token';

/** A client's key, or a way to find it (asked only when a login token is checked). */
export type ClientOf = string | (() => string) | undefined;

export const DEFAULT_BAD_LOGINS_PER_CLIENT: RateLimit = { perMinute: 60, burst: 120 };

/** A client that sent too many login tokens with bad signatures: 429, with when to try again. */
export class LoginRateError extends CredentialError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export class LoginFailures {
  readonly #limiter: RateLimiter;

  constructor(limit: RateLimit = DEFAULT_BAD_LOGINS_PER_CLIENT) {
    this.#limiter = new RateLimiter(limit);
  }

  /**
   * Verifies a login token for `sender` (its key, limits/client-key.ts, or how to find it;
   * undefined: not counted), refusing at once when that client has sent too many with bad signatures.
   */
  async verify(sender: ClientOf, token: string, options: VerifyLoginOptions): Promise<LoginClaims> {
    const client = typeof sender === 'function' ? sender() : sender;
    if (client !== undefined) {
      const left = this.#limiter.peek(client);
      if (!left.allowed) {
        const message = `${rateMessage(`login tokens with bad signatures from ${client}`, this.#limiter.limit, left.retryAfterSeconds)}: a login token must be signed by its account's key (\`hcr login\`); behind a reverse proxy, list it in gateway.trustProxy (--trust-proxy) so that its clients count apart`;
        throw new LoginRateError(message, left.retryAfterSeconds);
      }
    }
    try {
      return await verifyLoginToken(token, options);
    } catch (error) {
      if (client !== undefined && error instanceof LoginTokenError && error.problem === 'bad-signature') this.#limiter.take(client);
      throw error;
    }
  }
}

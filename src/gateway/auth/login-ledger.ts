// Login nonces the gateway has seen: revoked ones (logout) are refused until they would have
// expired anyway; in single-use mode every nonce works once, so a replayed token is refused.
// Kept in a log file in the data dir so a restart does not forget them.
import { LineLog } from '../storage/line-log';

type Mark = 'used' | 'revoked';

export class LoginLedger {
  readonly #log: LineLog;
  readonly #marks = new Map<string, { mark: Mark; expiresAt: number }>();

  constructor(file: string) {
    this.#log = new LineLog(file);
    const now = Date.now();
    for (const line of this.#log.lines()) {
      const [mark, key, expires] = line.split(' ');
      if ((mark === 'used' || mark === 'revoked') && key && Number(expires) > now) this.#set(key, mark, Number(expires));
    }
  }

  isRevoked(address: string, nonce: string): boolean {
    return this.#get(address, nonce) === 'revoked';
  }

  /** Marks a nonce used; false when it was used or revoked before (a replay). */
  use(address: string, nonce: string, expiresAt: Date): boolean {
    if (this.#get(address, nonce)) return false;
    this.#record(`${address}:${nonce}`, 'used', expiresAt.getTime());
    return true;
  }

  revoke(address: string, nonce: string, expiresAt: Date): void {
    this.#record(`${address}:${nonce}`, 'revoked', expiresAt.getTime());
  }

  #get(address: string, nonce: string): Mark | undefined {
    const entry = this.#marks.get(`${address}:${nonce}`);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#marks.delete(`${address}:${nonce}`);
      return undefined;
    }
    return entry.mark;
  }

  #record(key: string, mark: Mark, expiresAt: number): void {
    this.#set(key, mark, expiresAt);
    this.#log.append(`${mark} ${key} ${expiresAt}`);
  }

  #set(key: string, mark: Mark, expiresAt: number): void {
    const known = this.#marks.get(key);
    if (known?.mark === 'revoked') return;
    this.#marks.set(key, { mark, expiresAt });
  }
}

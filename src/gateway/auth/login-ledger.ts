// Login nonces the gateway has seen: revoked ones (logout) are refused until they would have
// expired anyway; in single-use mode every nonce works once, so a replayed token is refused.
// Kept in a log file in the data dir so a restart does not forget them.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

type Mark = 'used' | 'revoked';

export class LoginLedger {
  readonly #file: string;
  readonly #marks = new Map<string, { mark: Mark; expiresAt: number }>();

  constructor(file: string) {
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    const now = Date.now();
    for (const line of text.split('\n')) {
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
    appendFileSync(this.#file, `${mark} ${key} ${expiresAt}\n`);
  }

  #set(key: string, mark: Mark, expiresAt: number): void {
    const known = this.#marks.get(key);
    if (known?.mark === 'revoked') return;
    this.#marks.set(key, { mark, expiresAt });
  }
}

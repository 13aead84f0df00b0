// How many CAR answers are walked at once. Anyone may ask, and each open CAR holds a walk that
// reads blocks ahead of its client (a few MiB) and remembers the blocks it sent: a client opening
// CARs by the thousand and reading none would hold all of it at once. So one client (an IPv6
// client's /64, as elsewhere) has a bounded number open, and all clients together another; a CAR
// past either is refused with 429 and Retry-After before any block is read. Raw blocks, one block
// each, are not counted.
import type { Request, Response } from 'express';
import { requestClientKey } from '../../limits/client-key';
import { TrustlessRequestError } from './trustless-request';

export interface CarConcurrency {
  readonly perClient: number;
  readonly total: number;
}

/** A replica pulling a few images through another asks for a few CARs a layer at most. */
export const DEFAULT_CAR_CONCURRENCY: CarConcurrency = { perClient: 32, total: 256 };

const RETRY_AFTER_SECONDS = 1;

export class CarAdmission {
  readonly #open = new Map<string, number>();
  #total = 0;

  /** `refused` is told of each CAR refused, by the bound it met (the gateway's metrics count them). */
  constructor(
    readonly limits: CarConcurrency = DEFAULT_CAR_CONCURRENCY,
    private readonly refused: (bound: 'client' | 'total') => void = () => undefined,
  ) {}

  /** Counts this CAR until its response closes (sent, failed or the client gone); 429 past a bound. */
  admit(req: Request, res: Response): void {
    const client = requestClientKey(req);
    const open = this.#open.get(client) ?? 0;
    if (open >= this.limits.perClient) {
      this.refused('client');
      throw new TrustlessRequestError(`${client} has ${open} CAR answers open already, the most one client may: read or close them first`, 429, RETRY_AFTER_SECONDS);
    }
    if (this.#total >= this.limits.total) {
      this.refused('total');
      throw new TrustlessRequestError(`this gateway is sending ${this.#total} CAR answers already, the most it sends at once: retry shortly`, 429, RETRY_AFTER_SECONDS);
    }
    this.#open.set(client, open + 1);
    this.#total++;
    res.once('close', () => {
      this.#total--;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    });
  }
}

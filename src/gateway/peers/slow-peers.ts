// Peers that are slow where another may not be. Within one file's download, a peer that sends
// less than `minBytes` of blocks in a window of `windowMs` spent waiting on it is passed over for
// the next peer, while there is a peer not yet found slow; the last one left is read at whatever
// pace it keeps above the stall floor (stall-watch.ts). A peer kept just above that floor, by
// accident or on purpose, so costs a download one window instead of hours. Peers found slow are
// asked last by the downloads of the next minutes, so a pull of many layers pays that window once.
import type { PeerClient } from './peer-client';

export interface SlowPeerRule {
  /** Time waiting on a peer (not on the client downstream) over which its pace is judged. */
  readonly windowMs: number;
  /** Bytes of verified blocks it must send in each window while another peer could be asked. */
  readonly minBytes: number;
}

/** 5 MiB in 5 s: 1 MiB/s, far below what a peer on any working network sends. */
export const DEFAULT_SLOW_PEER_RULE: SlowPeerRule = { windowMs: 5_000, minBytes: 5 * 1024 * 1024 };

/** How long a peer found slow is asked after the others. */
const SLOW_FOR_MS = 5 * 60_000;

export class SlowPeers {
  readonly #until = new Map<PeerClient, number>();

  constructor(private readonly now: () => number = Date.now) {}

  found(peer: PeerClient): void {
    this.#until.set(peer, this.now() + SLOW_FOR_MS);
  }

  /** `peers` in their configured order, those found slow lately after the rest. */
  order(peers: readonly PeerClient[]): PeerClient[] {
    const now = this.now();
    const slow = (peer: PeerClient) => (this.#until.get(peer) ?? 0) > now;
    return [...peers.filter((peer) => !slow(peer)), ...peers.filter(slow)];
  }
}

// A chain URL whose node "moves" to another chain: a relay in front of a dev chain that, once
// moved, answers the genesis hash of another chain (all a client can tell another network by) and
// cuts every connection, as a load balancer or DNS name switched to another network's node would;
// or that relays to another node from then on (a chain started again from the same genesis).
import { type RpcRelay, startRpcRelay } from './rpc-relay';

export interface MovingChainUrl {
  readonly url: string;
  /** To the other chain (connections cut) or, with false, back to the dev chain for new connections. */
  move(toOtherChain: boolean): void;
  /** To another node (connections cut): a chain started again from the same genesis, say. */
  moveToNode(target: string): void;
  close(): Promise<void>;
}

export async function startMovingChainUrl(target: string, otherGenesis: string): Promise<MovingChainUrl> {
  let moved = false;
  const isGenesisQuery = (method: string, params?: unknown[]) => method === 'chain_getBlockHash' && params?.length === 1 && Number(params[0]) === 0;
  const relay: RpcRelay = await startRpcRelay(target, { answer: (request) => (moved && isGenesisQuery(request.method, request.params) ? otherGenesis : undefined) });
  return {
    url: relay.url,
    move(toOtherChain) {
      moved = toOtherChain;
      if (toOtherChain) relay.dropClients();
    },
    moveToNode: (target) => relay.retarget(target),
    close: () => relay.close(),
  };
}

/** Waits until `probe` holds, failing with `what` after `ms`. */
export async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

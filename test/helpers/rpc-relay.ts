// A JSON-RPC WebSocket relay in front of a node, standing in for a node (or a man in the middle)
// that answers some methods itself or alters some answers, while the rest reaches the node as is.
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface RpcRequest {
  readonly id: unknown;
  readonly method: string;
  readonly params?: unknown[];
}

export interface RelayRules {
  /** The relay's own result for a request, or undefined to pass it on. */
  answer?(request: RpcRequest): unknown;
  /** Changes the node's answer to a request in place. */
  alter?(answer: { id?: unknown; result?: unknown }, request: RpcRequest): void;
}

export interface RpcRelay {
  readonly url: string;
  /** Cuts every client's connection (as a node restart or a moved load balancer does); new ones are taken. */
  dropClients(): void;
  /** Relays new connections to another node from now on, cutting the current ones. */
  retarget(target: string): void;
  close(): Promise<void>;
}

export async function startRpcRelay(firstTarget: string, rules: RelayRules): Promise<RpcRelay> {
  let target = firstTarget;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (client) => {
    const upstream = new WebSocket(target);
    const queued: string[] = [];
    const asked = new Map<unknown, RpcRequest>();
    upstream.on('open', () => queued.splice(0).forEach((message) => upstream.send(message)));
    upstream.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as { id?: unknown; result?: unknown };
      const request = answer.id === undefined ? undefined : asked.get(answer.id);
      if (request) {
        asked.delete(answer.id);
        rules.alter?.(answer, request);
      }
      if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(answer));
    });
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.close());
    client.on('close', () => upstream.close());
    client.on('message', (data) => {
      const text = data.toString();
      const request = JSON.parse(text) as RpcRequest;
      const own = rules.answer?.(request);
      if (own !== undefined) return void client.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: own }));
      asked.set(request.id, request);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else queued.push(text);
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropClients() {
      for (const client of server.clients) client.terminate();
    },
    retarget(next) {
      target = next;
      for (const client of server.clients) client.terminate();
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

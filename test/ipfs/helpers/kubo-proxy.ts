// A proxy in front of a Kubo RPC API: each call is offered to `answer` first, which may answer it
// in the node's place (a page, a block the node never had) and return true; the rest reach the
// node as they are.
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KuboProxy {
  readonly url: string;
  readonly server: Server;
  /** Stops it, cutting the connections clients keep alive. */
  close(): Promise<void>;
}

export async function kuboProxy(target: string, answer: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<KuboProxy> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (answer(req, res)) return;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

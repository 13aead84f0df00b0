// A test's own HTTP server (a peer that misbehaves, a proxy) on a free loopback port, and how to
// stop it with the connections it still holds.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listeningOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

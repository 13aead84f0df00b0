// A stand-in for the index's GraphQL server, on a real socket, whose artifact queries (the doors'
// listings and searches) are held until the test lets them go: a listing can be kept in progress
// for as long as a test needs, as a slow index keeps it. Every artifact query is answered with no
// rows; any other query at once, with no data.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldIndex {
  readonly url: string;
  /** Artifact queries received and not yet answered. */
  readonly pending: number;
  /** Whether artifact queries are held (default true); false answers them at once. */
  holding: boolean;
  /** Resolves once `count` artifact queries are held (10 s at most). */
  waitForPending(count: number): Promise<void>;
  /** Answers every held query. */
  release(): void;
  close(): Promise<void>;
}

const EMPTY: Record<string, unknown> = { artifactVersions: [], artifacts: [], digestInfoRecords: [] };

export async function startHeldIndex(): Promise<HeldIndex> {
  const held: (() => void)[] = [];
  let holding = true;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const query = String((JSON.parse(body || '{}') as { query?: string }).query ?? '');
      const field = Object.keys(EMPTY).find((name) => new RegExp(`\\b${name}\\s*\\(`).test(query));
      const answer = (response: ServerResponse) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: field ? { [field]: EMPTY[field] } : {} }));
      if (field && field !== 'digestInfoRecords' && holding) held.push(() => answer(res));
      else answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const index: HeldIndex = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    get pending() {
      return held.length;
    },
    get holding() {
      return holding;
    },
    set holding(value: boolean) {
      holding = value;
    },
    async waitForPending(count) {
      const deadline = Date.now() + 10_000;
      while (held.length < count) {
        if (Date.now() > deadline) throw new Error(`the index received ${held.length} artifact queries, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    release() {
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        index.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return index;
}

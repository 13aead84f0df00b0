// The least any gateway standing between a store and a client can do, as a yardstick for the
// replica benchmark: one Node process that passes every request on to a target registry and its
// answer back, with nothing else. Run in a child process of its own (like the gateways), so it
// competes for the same two cores as they do:
//
//   tsx bench/relay.ts TARGET_HOST MODE
//
// MODE `plain` relays the bytes untouched; `hash` also runs SHA-256 over every answer's body (the
// least a cold read must do: check the bytes against the digest); `hash-keep` also appends the
// body to a file (a replica keeps what it fetches), removed when the answer ends. Prints
// `{"url": …}` once listening.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { request, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Mode = 'plain' | 'hash' | 'hash-keep';

function serve(target: string, mode: Mode): void {
  const keepDir = mode === 'hash-keep' ? mkdtempSync(join(tmpdir(), 'hcr-bench-relay-')) : undefined;
  let kept = 0;
  const server = createServer((incoming, answer) => {
    const upstream = request({ host: target.split(':')[0], port: Number(target.split(':')[1]), method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target } }, (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers);
      if (mode === 'plain') {
        response.pipe(answer);
        return;
      }
      const hash = createHash('sha256');
      const file = keepDir ? createWriteStream(join(keepDir, String(kept++))) : undefined;
      // Paused until both the client and the file have taken what they were given.
      let waiting = 0;
      const drained = () => {
        if (--waiting === 0) response.resume();
      };
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        for (const sink of file ? [answer, file] : [answer]) {
          if (!sink.write(chunk)) {
            waiting++;
            sink.once('drain', drained);
          }
        }
        if (waiting > 0) response.pause();
      });
      response.on('end', () => {
        hash.digest();
        answer.end();
        file?.end(() => rmSync(file.path as string, { force: true }));
      });
    });
    upstream.on('error', () => answer.destroy());
    incoming.pipe(upstream);
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
  });
  process.on('SIGTERM', () => {
    if (keepDir) rmSync(keepDir, { recursive: true, force: true });
    process.exit(0);
  });
}

const [target, mode] = process.argv.slice(2) as [string, Mode];
if (!target || !['plain', 'hash', 'hash-keep'].includes(mode)) {
  console.error('usage: tsx bench/relay.ts TARGET_HOST plain|hash|hash-keep');
  process.exit(2);
}
serve(target, mode);

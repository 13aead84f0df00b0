// `hcr artifact push <space>/<name>:<version> FILE...`: publishes files as a version of an artifact
// through the gateway's package door (any kind: --kind firmware, plugin, package or a media
// type), streamed with a progress bar, its sha256 declared so that the gateway refuses bytes
// damaged on the way. Versions are immutable: pushing one that exists fails.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MAX_JSON_BYTES, STALL_MS } from '../../bounded-answer';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { terminalText } from '../../terminal-text';
import { progressBar } from './progress';
import { parseArtifactRef } from './reference';
import { authorization, failure, registryUrl, type RegistryFlags } from './registry-client';

export interface PushFlags extends RegistryFlags {
  kind: string;
  label: string[];
  keyword: string[];
  description?: string;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}

function labelsOf(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new CliError(`--label ${JSON.stringify(pair)} is not key=value: write it as --label app=base`, EXIT.usage);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

export async function pushArtifact(refText: string, paths: string[], flags: PushFlags): Promise<void> {
  const ref = parseArtifactRef(refText, { versionRequired: true });
  const sizes: number[] = [];
  for (const file of paths) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new CliError(`${file} is not a file to push: give the path of each file to publish`, EXIT.usage);
    sizes.push(info.size);
  }
  const auth = await authorization(flags, { required: 'pushing' });
  // The first file's sha256 is declared: the gateway refuses bytes damaged on the way.
  const metadata = JSON.stringify({ name: ref.name, version: ref.version, kind: flags.kind, labels: labelsOf(flags.label), keywords: flags.keyword.length > 0 ? flags.keyword : undefined, description: flags.description, sha256: await sha256Of(paths[0]) });
  const boundary = `hcr-${randomBytes(12).toString('hex')}`;
  const parts = paths.map((file, i) => Buffer.from(`${i === 0 ? `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${metadata}\r\n` : '\r\n'}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file).replace(/["\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL('/api/packages/publish', registryUrl(flags));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const progress = progressBar(`pushing ${paths.map((p) => basename(p)).join(', ')}`, total);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(parts.reduce((sum, part) => sum + part.length, 0) + total + tail.length), ...(auth ? { Authorization: auth } : {}) },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        // The answer is a short JSON document: a gateway sending more is cut off, not held in memory.
        if (body.length > MAX_JSON_BYTES) {
          res.destroy();
          reject(new CliError(`the gateway at ${url.origin} answered the push with more than ${MAX_JSON_BYTES / 2 ** 20} MiB, more than any answer it sends: check --registry names a registry gateway`, EXIT.failed));
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new CliError(`cannot reach the gateway at ${url.origin} (${error.message}): check --registry and that the gateway runs`, EXIT.unreachable)));
    // A gateway that stops reading the upload, or takes it and never answers (or stops halfway
    // through its answer), would hold the command forever: the connection may be quiet for
    // STALL_MS at most, as every other answer `hcr` reads (bounded-answer.ts).
    req.setTimeout(STALL_MS, () => {
      reject(new CliError(`the gateway at ${url.origin} went quiet during the push (nothing sent or received for ${STALL_MS / 1000} s): check that it runs, then push again (a version that was published meanwhile is refused as existing: see hcr artifact resolve)`, EXIT.unreachable));
      req.destroy();
    });
    const send = (i: number) => {
      if (i === paths.length) return void req.end(tail);
      req.write(parts[i]);
      const source = createReadStream(paths[i]);
      source.on('data', (chunk) => progress.add(chunk.length));
      source.on('error', reject);
      source.on('end', () => send(i + 1));
      source.pipe(req, { end: false });
    };
    send(0);
  });
  progress.done();
  if (answer.status !== 201) throw await failure(new Response(answer.body, { status: answer.status }));
  let published;
  try {
    published = JSON.parse(answer.body);
  } catch {
    throw new CliError(`the gateway at ${url.origin} answered the push with something that is not JSON: check --registry names a registry gateway`, EXIT.failed);
  }
  if (flags.json) {
    process.stdout.write(`${jsonText(published, 2)}\n`);
    return;
  }
  // The answer is the gateway's: each value is printed escaped, so it cannot rewrite the terminal.
  const t = (value: unknown) => terminalText(String(value));
  process.stdout.write(`pushed ${t(published.name)}:${t(published.version)} (${t(flags.kind)}, ${t(published.size)} bytes, ${t(published.sha256)})\n  manifest ${t(published.manifestDigest)} (CID ${t(published.manifestCid)}), file CID ${t(published.cid)}\n`);
  for (const extra of (published.files ?? []).slice(1)) process.stdout.write(`  and ${t(extra.title)} (${t(extra.size)} bytes, ${t(extra.sha256)})\n`);
  if (!published.indexed) process.stderr.write('the index has not listed it yet; listings and ranges will show it shortly\n');
}

// `hcr export REF… --out FILE.car`: an offline bundle from a gateway (GET /bundles): every block
// of the selected spaces', images' or tags' manifests and blobs, and the chain facts they were
// taken from. Progress on stderr; the file appears only once it is whole.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { DEFAULTS } from '../../../config/defaults';
import { CliError, EXIT } from '../../errors';
import { progressMeter } from './progress-meter';

interface ExportFlags {
  out: string;
  gateway: string;
  token?: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .argument('<ref...>', 'what to export: a space (acme), an image (acme/web) or a tag (acme/web:1.0)')
    .requiredOption('--out <file>', 'the bundle to write (a CAR file)')
    .option('--gateway <url>', 'the gateway to export from (env HCR_GATEWAY)', process.env.HCR_GATEWAY ?? `http://127.0.0.1:${DEFAULTS.gatewayPort}`)
    .option('--token <token>', 'a bearer token, for a gateway that does not allow anonymous pulls (env HCR_TOKEN)', process.env.HCR_TOKEN)
    .option('--json', 'print the result as JSON on stdout')
    .description('write an offline bundle: the content of spaces, images or tags, and the chain facts it was taken from')
    .action(async (refs: string[], flags: ExportFlags) => {
      const url = new URL('/bundles', flags.gateway);
      for (const ref of refs) url.searchParams.append('ref', ref);
      let response: Response;
      try {
        response = await fetch(url, { headers: flags.token ? { Authorization: `Bearer ${flags.token}` } : {} });
      } catch (error) {
        throw new CliError(`cannot reach the gateway at ${flags.gateway} (${(error as { cause?: Error }).cause?.message ?? (error as Error).message}): start it, or pass --gateway`, EXIT.unreachable);
      }
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => undefined)) as { errors?: { message: string }[] } | undefined;
        throw new CliError(`the gateway refused the export (HTTP ${response.status}): ${body?.errors?.[0]?.message ?? response.statusText}`, response.status >= 500 ? EXIT.failed : EXIT.usage);
      }
      const asOf = response.headers.get('x-hcr-as-of-block') ?? '';
      const partial = `${flags.out}.partial`;
      const meter = progressMeter('exported');
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          meter.add(chunk.length);
          done(null, chunk);
        },
      });
      try {
        await pipeline(response.body, count, createWriteStream(partial));
        await rename(partial, flags.out);
      } catch (error) {
        await rm(partial, { force: true });
        throw new CliError(`the export broke off (${(error as Error).message}); nothing was written to ${flags.out}: try again`, EXIT.failed);
      } finally {
        meter.done();
      }
      const [number, hash] = asOf.split(' ');
      if (flags.json) console.log(JSON.stringify({ file: flags.out, bytes: meter.total, asOfBlock: { number: Number(number), hash } }));
      else console.log(`wrote ${flags.out} (${meter.text()}), as of block #${number} ${hash}`);
    });
}

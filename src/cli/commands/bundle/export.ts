// `hcr export REF… --out FILE.car`: an offline bundle from a gateway (GET /bundles): every block
// of the selected spaces', images' or tags' manifests and blobs, and the chain facts they were
// taken from. Progress on stderr; the file appears only once it is whole (partial-file.ts).
import { statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { DEFAULTS } from '../../../config/defaults';
import { errorAnswerText, STALL_MS } from '../../bounded-answer';
import { optionFromEnv } from '../../env-default';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { partialFileFor } from '../../partial-file';
import { stallGuard } from '../../stall-guard';
import { terminalLines } from '../../terminal-text';
import { asOfBlockFrom } from './as-of-block';
import { progressMeter } from './progress-meter';
import { describeCommand } from '../../command-summaries';

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
    .addOption(optionFromEnv('--gateway <url>', 'the gateway to export from (env HCR_GATEWAY)', { variable: 'HCR_GATEWAY', fallback: `http://127.0.0.1:${DEFAULTS.gatewayPort}` }))
    .addOption(optionFromEnv('--token <token>', 'a bearer token, for a gateway that does not allow anonymous pulls (env HCR_TOKEN)', { variable: 'HCR_TOKEN', secret: true }))
    .option('--json', 'print the result as JSON on stdout')
    .description(describeCommand('export'))
    .action(async (refs: string[], flags: ExportFlags) => {
      if (isDirectory(flags.out)) throw new CliError(`--out ${flags.out} is a directory: give the path of the file to write, for example ${flags.out.replace(/\/+$/, '')}/bundle.car`, EXIT.usage);
      const url = new URL('/bundles', flags.gateway);
      for (const ref of refs) url.searchParams.append('ref', ref);
      let response: Response;
      const headers = new AbortController();
      const headersTimer = setTimeout(() => headers.abort(), STALL_MS);
      try {
        response = await fetch(url, { headers: flags.token ? { Authorization: `Bearer ${flags.token}` } : {}, signal: headers.signal });
      } catch (error) {
        if (headers.signal.aborted) throw new CliError(`the gateway at ${flags.gateway} did not answer within ${STALL_MS / 1000} s: check that it runs, or pass --gateway`, EXIT.unreachable);
        throw new CliError(`cannot reach the gateway at ${flags.gateway} (${(error as { cause?: Error }).cause?.message ?? (error as Error).message}): start it, or pass --gateway`, EXIT.unreachable);
      } finally {
        clearTimeout(headersTimer);
      }
      if (!response.ok || !response.body) {
        // Bounded: an error page may be huge or never end.
        const text = await errorAnswerText(response);
        let message = response.statusText;
        try {
          message = (JSON.parse(text) as { errors?: { message?: string }[] }).errors?.[0]?.message ?? message;
        } catch {
          // Not the gateway's JSON error: its status line says enough.
        }
        throw new CliError(`the gateway refused the export (HTTP ${response.status}): ${message}`, response.status >= 500 ? EXIT.failed : EXIT.usage);
      }
      const asOf = asOfBlockFrom(response.headers.get('x-hcr-as-of-block'));
      // A bundle is large: written past the page cache, which costs less here than the download.
      const partial = partialFileFor(flags.out, { unbuffered: true });
      const meter = progressMeter('exported');
      const count = stallGuard((chunk) => meter.add(chunk.length));
      try {
        await pipeline(response.body, count, partial.stream);
        await partial.commit();
      } catch (error) {
        await partial.discard();
        throw new CliError(`the export broke off (${terminalLines((error as Error).message)}); nothing was written to ${flags.out}: try again`, EXIT.failed);
      } finally {
        meter.done();
      }
      if (flags.json) console.log(jsonText({ file: flags.out, bytes: meter.total, asOfBlock: asOf ?? null }));
      else console.log(`wrote ${flags.out} (${meter.text()}), ${asOf ? `as of block #${asOf.number} ${asOf.hash}` : 'as of a block the gateway did not name'}`);
    });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// `hcr import FILE.car`: loads an offline bundle into a gateway's data dir (its IPFS store and
// its records), all or nothing: every block checked by its CID, every blob by its digest, and
// the record against the chain when it can be reached. A gateway on that data dir then serves
// the bundle's tags while the chain cannot be reached (saying as of which block).
import type { Command } from 'commander';
import { ChainConnectionError, connectChain } from '../../../chain';
import { dataDirFrom, DEFAULTS } from '../../../config/defaults';
import { BundleError } from '../../../gateway/bundles/bundle-record';
import { importBundle, ImportStoppedError } from '../../../gateway/bundles/import-bundle';
import { RecordWriteError } from '../../../gateway/bundles/staged-records';
import { ChainReader } from '../../../gateway/resolve/chain-reader';
import { DEFAULT_MAX_BLOB_BYTES } from '../../../limits/upload-admission';
import { openBlobStore } from '../../../ipfs';
import { hideUrlLogins } from '../../../observability/url-logins';
import { optionFromEnv } from '../../env-default';
import { genesisHashOption } from '../../genesis-hash-option';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { terminalLines, terminalName } from '../../terminal-text';
import { describeCommand } from '../../command-summaries';

interface ImportFlags {
  dataDir?: string;
  ipfsApi?: string;
  chain: string;
  genesisHash?: string;
  offline?: boolean;
  /** A number of bytes, as given on the command line or by the configuration file. */
  maxBlobBytes?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .argument('<file>', 'a bundle written by hcr export')
    .option('--data-dir <dir>', `the gateway's data dir to import into (env HCR_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .addOption(optionFromEnv('--ipfs-api <url>', 'the gateway\'s Kubo RPC API, when it uses Kubo (env IPFS_API); absent: the embedded store in the data dir', { variable: 'IPFS_API' }))
    .addOption(optionFromEnv('--chain <url>', 'the chain to check the bundle\'s record against (env CHAIN_RPC)', { variable: 'CHAIN_RPC', fallback: `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}` }))
    .addOption(genesisHashOption())
    .option('--offline', 'do not try the chain: import unconfirmed (the gateway answers from the record only while the chain cannot be reached)')
    .option('--max-blob-bytes <bytes>', `the largest blob to take, in bytes (default ${DEFAULT_MAX_BLOB_BYTES}, as gateway.limits.uploads.maxBlobBytes): a bundle recording a larger one is refused before it is read`)
    .option('--json', 'print the result as JSON on stdout')
    .description(describeCommand('import'))
    .action(async (file: string, flags: ImportFlags) => {
      const maxBlobBytes = flags.maxBlobBytes === undefined ? undefined : wholeBytes(String(flags.maxBlobBytes));
      const dataDir = dataDirFrom(flags.dataDir);
      const store = await openBlobStore({ dataDir, ipfsApi: flags.ipfsApi });
      const api = flags.offline ? undefined : await connectChain(flags.chain, { retries: 1, timeoutMs: 5_000, genesisHash: flags.genesisHash }).catch(async (error: Error) => {
        // An unreachable chain leaves the bundle unconfirmed; a node of another chain than the pinned one is a mistake to fix first.
        if (error instanceof ChainConnectionError && error.problem === 'wrong-chain') {
          await store.close();
          throw new CliError(`nothing was imported: ${error.message}`, EXIT.unreachable);
        }
        console.error(`note: ${terminalLines(hideUrlLogins(error.message))}`);
        return undefined;
      });
      const stopping = stopOnSignal();
      try {
        // A bundle comes from elsewhere: its repository and tag names are printed escaped (terminal-text.ts).
        const result = await importBundle(file, { store, dataDir, chain: api ? new ChainReader(api) : undefined, progress: (line) => console.error(terminalLines(line)), maxBlobBytes, signal: stopping.signal });
        if (stopping.signal.aborted) console.error('note: the import had begun to write its records when it was asked to stop, so it was finished: the bundle is imported');
        const summary = { recordCid: result.recordCid, tags: result.record.tags.map((t) => `${t.repository}:${t.tag}`), blocks: result.blocks, bytes: result.bytes, asOfBlock: result.record.chain.block, confirmed: result.confirmed };
        if (flags.json) console.log(jsonText(summary));
        else console.log(`imported ${summary.tags.map(terminalName).join(', ')} (${result.blocks} blocks) as of block #${terminalName(String(summary.asOfBlock.number))}${result.confirmed ? ', checked against the chain' : ', unconfirmed: the chain decides once it can be reached'}`);
      } catch (error) {
        if (error instanceof BundleError) throw new CliError(`refused ${file}: ${error.message}`, EXIT.usage);
        if (error instanceof ImportStoppedError) throw new CliError(`stopped: ${error.message}`, EXIT.stopped);
        // Not the bundle's fault: the same import can be run again once the data dir is fixed.
        if (error instanceof RecordWriteError) throw new CliError(`could not import ${file}: ${error.message}`, EXIT.failed);
        throw error;
      } finally {
        stopping.release();
        await api?.disconnect();
        await store.close();
      }
    });
}

/**
 * Ctrl-C or SIGTERM during an import: the first asks it to stop, which releases what it pinned
 * (the default, ending the process at once, left the content it had stored pinned with no record
 * to serve or ever release it); a second ends the process at once, saying what that leaves.
 */
function stopOnSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(`\n${name} again: stopped at once; what the import stored so far stays pinned until the gateway's cleanup releases it (after unfinished uploads' time, a day by default) or the same bundle is imported again`);
      process.exit(EXIT.stopped);
    }
    console.error(`\n${name}: stopping the import and releasing what it stored (again to stop at once)`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const name of signals) process.on(name, onSignal);
  return { signal: controller.signal, release: () => signals.forEach((name) => process.off(name, onSignal)) };
}

function wholeBytes(text: string): number {
  const bytes = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(bytes) || bytes < 1) throw new CliError(`--max-blob-bytes ${JSON.stringify(text)} is not a number of bytes: give a whole number, for example ${DEFAULT_MAX_BLOB_BYTES}`, EXIT.usage);
  return bytes;
}

// The `hcr` command line.
import { Command } from 'commander';
import { moduleFor } from './command-table';
import { registerSummaries } from './command-summaries';
import { applyConfig, applySuriFileVariable } from '../config/apply';
import { ConfigError, loadConfigFile } from '../config/file';
import { scrub } from '../observability/redact';
import { hideUrlLogins } from '../observability/url-logins';
import { CliError, EXIT } from './errors';
import { hasServices, stopServices } from './shutdown';
import { terminalLines } from './terminal-text';
import { hideSecretsFromProcessList } from './hide-secrets';
import { checkUrlOptions, withQuotedLoginsStarred } from './url-flags';

// First of all: a key or token on the command line leaves the process list (hide-secrets.ts).
hideSecretsFromProcessList();

const program = new Command('hcr')
  .description('Hippius container registry: dev chain, indexer, OCI gateway and wallet tools')
  .showHelpAfterError()
  .option('--config <file>', 'a configuration file (YAML) with any setting that has a flag or an environment variable; flags, then environment variables, win over it (env HCR_CONFIG)')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage))
  // Commander quotes a refused value whole (`--peer 'https://u:PASSWORD@…' is invalid`); the
  // commands registered below inherit this.
  .configureOutput({ outputError: (text, write) => write(withQuotedLoginsStarred(text)) });

// A reader that goes away early (`hcr login --print-token | head -c1`, a `podman login` that
// fails) closes the pipe under stdout. A C program would die of SIGPIPE without a word; Node
// ignores SIGPIPE and emits EPIPE on the stream, which crashed with a stack trace. Leave quietly
// instead: a service stops in order as on a hang-up (its children with it), a one-shot command
// exits 0 (its work is done; only its report has no reader).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      if (hasServices()) stopServices('EPIPE');
      else process.exit(EXIT.ok);
      return;
    }
    if (stream !== process.stderr) console.error(`error: cannot write the output (${error.code ?? error.message})`);
    process.exit(EXIT.failed);
  });
}

// Only the command the line names is loaded (command-table.ts says why); a line that names none
// gets the list of commands without their code.
const named = moduleFor(process.argv.slice(2));
if (named) named.load()(program);
else registerSummaries(program);

program.hook('preAction', (_program, command) => {
  try {
    applySuriFileVariable(command.name());
  } catch (error) {
    throw new CliError(scrub((error as Error).message), EXIT.usage);
  }
  const file = (program.opts().config as string | undefined) ?? process.env.HCR_CONFIG;
  if (!file || command.parent?.name() === 'config' || command.name() === 'healthcheck') return;
  try {
    applyConfig(command, loadConfigFile(file));
  } catch (error) {
    // Messages quote bad values: a URL's password in one is starred out.
    if (error instanceof ConfigError) throw new CliError(scrub(error.message), EXIT.usage);
    throw new CliError(scrub((error as Error).message), EXIT.usage);
  }
});

// After the configuration file, so that its values are checked too: a malformed URL is a usage error naming its flag.
program.hook('preAction', (_program, command) => checkUrlOptions(command));

program.parseAsync(process.argv).then(() => {
  // A one-shot command has done its work: leave now. Left to the event loop, every command that
  // read the chain waited 1.75 s more for polkadot.js to let go of its shared subscriptions (it
  // keeps each that long after its last reader, even once disconnected). Services registered their
  // stops and run until a signal.
  if (!hasServices()) process.exit(process.exitCode ?? EXIT.ok);
}, (error: unknown) => {
  // Messages quote what the chain, the index or a gateway said (names, their error text): printed
  // through terminalLines so an escape sequence or carriage return in them cannot rewrite the terminal.
  // They also quote the URLs they were given, whose password or API key stays out of terminals and CI logs.
  if (error instanceof CliError) {
    console.error(`error: ${terminalLines(hideUrlLogins(error.message))}`);
    process.exit(error.exitCode);
  }
  const message = hideUrlLogins((error as Error)?.message ?? String(error));
  // Expected start-up failures (port in use, foreign data dir) are one readable line.
  if (/EADDRINUSE/.test(message)) console.error(`error: ${message.replace(/.*EADDRINUSE:?\s*/, 'address already in use: ')} — stop the other process or pass --port`);
  else console.error(`error: ${terminalLines(message)}`);
  process.exit(EXIT.failed);
});

// Which of hcr's commands a command line needs. Each command's module brings in what its work
// needs (polkadot.js, the dev chain, the gateway, Postgres), and loading all of them took about
// 1.5 s before any command ran: a `hcr healthcheck` that a container runs every few seconds, or a
// script's `hcr space show`, paid for the dev chain and the gateway each time. So only the command
// the line names is loaded (`hcr help space` names space too); a line that names none (`hcr
// --help`) or a word that is no command loads none, and gets the list of commands
// (command-summaries.ts), enough for the help and for commander to suggest the right name.
import type { Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandModule {
  /** The top-level commands (and aliases) the module's registration adds. */
  readonly names: readonly string[];
  /** Loads the module and returns its registration. */
  readonly load: () => Register;
}

// `require` here, not import: an import would load every module at start, which is what this avoids.
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['dev'], load: () => (require('./commands/dev') as typeof import('./commands/dev')).registerDev },
  { names: ['devnet'], load: () => (require('./commands/devnet') as typeof import('./commands/devnet')).registerDevnet },
  { names: ['space'], load: () => (require('./commands/space') as typeof import('./commands/space')).registerSpace },
  { names: ['login'], load: () => (require('./commands/login') as typeof import('./commands/login')).registerLogin },
  { names: ['processor', 'content-index', 'graphql'], load: () => (require('./commands/indexer') as typeof import('./commands/indexer')).registerIndexer },
  { names: ['gateway', 'mirror'], load: () => (require('./commands/gateway') as typeof import('./commands/gateway')).registerGateway },
  { names: ['config'], load: () => (require('./commands/config') as typeof import('./commands/config')).registerConfig },
  { names: ['artifact'], load: () => (require('./commands/artifact') as typeof import('./commands/artifact')).registerArtifact },
  { names: ['token'], load: () => (require('./commands/token') as typeof import('./commands/token')).registerToken },
  { names: ['healthcheck'], load: () => (require('./commands/healthcheck') as typeof import('./commands/healthcheck')).registerHealthcheck },
  { names: ['export'], load: () => (require('./commands/bundle/export') as typeof import('./commands/bundle/export')).registerExport },
  { names: ['import'], load: () => (require('./commands/bundle/import') as typeof import('./commands/bundle/import')).registerImport },
];

/** Options of the `hcr` program itself that take a value (the value is not a command's name). */
const PROGRAM_OPTIONS_WITH_VALUE = new Set(['--config']);

/** The first word of `args` (process.argv without node and the script) that is not an option of the program. */
export function commandWord(args: readonly string[]): string | undefined {
  const at = commandWordAt(args);
  return at === undefined ? undefined : args[at];
}

/** Where commandWord is in `args`. */
function commandWordAt(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return i + 1 < args.length ? i + 1 : undefined;
    if (PROGRAM_OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return i;
  }
  return undefined;
}

/**
 * The module a command line needs: the one that registers its command (for `help X`, X's), or
 * undefined when the line names no command.
 */
export function moduleFor(args: readonly string[]): CommandModule | undefined {
  const at = commandWordAt(args);
  let word = at === undefined ? undefined : args[at];
  if (word === 'help') word = commandWord(args.slice(at! + 1));
  return COMMAND_MODULES.find((module) => word !== undefined && module.names.includes(word));
}

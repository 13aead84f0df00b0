// What `hcr --help` lists for each top-level command: its name, what follows the name in the list,
// and its description. Kept apart from the commands' modules so that the list can be printed
// without loading them (about 1.7 s of polkadot.js, the dev chain and the gateway for a line of
// text each); each module takes its description from here, so the two cannot say different things,
// and a test checks the terms against what the modules register.
import { type Command, Help } from 'commander';

export interface CommandSummary {
  readonly name: string;
  /** What the help list shows after the name: `[options]` and the arguments, as commander writes them. */
  readonly term: string;
  readonly description: string;
}

export const COMMAND_SUMMARIES = [
  { name: 'dev', term: '[options]', description: 'run everything on embedded defaults: dev chain, Postgres, processor, GraphQL, IPFS, gateway' },
  { name: 'devnet', term: '[options]', description: 'run the development chain (a Substrate-compatible Hippius chain with ContainerRegistry)' },
  { name: 'space', term: '', description: 'create a space, add members, grant the gateway, and list or show spaces on the chain' },
  { name: 'login', term: '[options] [gateway]', description: 'sign a login token for a gateway and print the docker login command (or write the Docker config)' },
  { name: 'processor', term: '[options]', description: 'index the ContainerRegistry pallet into Postgres (DB_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASS)' },
  { name: 'content-index', term: '[options]', description: 'read the manifests the index holds from IPFS (labels, sizes, platforms) into the index; `hcr processor` runs it too' },
  { name: 'graphql', term: '[options]', description: 'serve the index as GraphQL (OpenReader, with its console)' },
  { name: 'gateway', term: '[options]', description: 'serve the OCI distribution API (docker/podman/skopeo pull and push) over the chain and IPFS' },
  { name: 'mirror', term: '[options] <space...>', description: 'run a gateway that keeps a live, pinned copy of everything these spaces\' tags reference, fetched (with --peer, from other gateways) as each push is finalized; status at GET /mirror' },
  { name: 'config', term: '', description: 'the configuration file (YAML): every setting that has a flag or an environment variable' },
  { name: 'artifact', term: '', description: 'push, pull, list, search and resolve versioned artifacts (firmware, plugins, packages, any kind)' },
  { name: 'token', term: '', description: 'mint, list and revoke API tokens with scopes (read, publish, admin) for CI and devices' },
  { name: 'healthcheck', term: '[options] [url]', description: 'exit 0 when the service in this container answers (for a container HEALTHCHECK); URL default: HCR_HEALTHCHECK_URL, else each service\'s local port' },
  { name: 'export', term: '[options] <ref...>', description: 'write an offline bundle: the content of spaces, images or tags, and the chain facts it was taken from' },
  { name: 'import', term: '[options] <file>', description: 'load an offline bundle into a gateway\'s store, checking every block, blob and (when the chain is reachable) record first' },
] as const satisfies readonly CommandSummary[];

export type CommandName = (typeof COMMAND_SUMMARIES)[number]['name'];

/** The description of a top-level command, for its module's registration. */
export function describeCommand(name: CommandName): string {
  return COMMAND_SUMMARIES.find((summary) => summary.name === name)!.description;
}

/**
 * Adds every command to `program` as a placeholder with its name and description and no code:
 * enough for the help list and for commander's "did you mean" on a misspelt name. A line that
 * names a command loads that command's module instead (command-table.ts), so a placeholder never runs.
 */
export function registerSummaries(program: Command): void {
  const terms = new Map<string, string>(COMMAND_SUMMARIES.map((summary) => [summary.name, summary.term]));
  const listed = new Help();
  program.configureHelp({
    subcommandTerm: (command) => {
      const term = terms.get(command.name());
      return term === undefined ? listed.subcommandTerm(command) : [command.name(), term].filter(Boolean).join(' ');
    },
  });
  for (const summary of COMMAND_SUMMARIES) program.command(summary.name).description(summary.description);
}

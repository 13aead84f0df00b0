// `hcr artifact push|pull|ls|search|resolve`: plugins, firmware, packages and any other kind of
// versioned file on the registry, through a gateway's artifact doors.
import type { Command } from 'commander';
import { runCommand } from '../space/session';
import { pullArtifact, type PullFlags } from './pull';
import { pushArtifact, type PushFlags } from './push';
import { type ListFlags, listArtifacts, resolveArtifact, searchArtifacts } from './read';
import { addRegistryOptions, type RegistryFlags } from './registry-client';
import { describeCommand } from '../../command-summaries';

const repeat = (value: string, previous: string[] = []) => [...previous, value];

const HELP = `
References: <space>/<name>:<version> is one version; <space>/<name>@<range> the highest version
in a semver range (npm's rules: ^1.0, ~1.0.3, >=1.1.0 <2); <space>/<name> the highest release.

Exit codes: 0 done; 1 the gateway refused (an existing version, no permission, no match); 2 bad
usage or input; 3 the gateway is unreachable or unavailable.`;

export function registerArtifact(program: Command): void {
  const artifact = program.command('artifact').description(describeCommand('artifact')).addHelpText('after', HELP);
  addRegistryOptions(artifact.command('push').argument('<reference>', '<space>/<name>:<version>').argument('<file...>', 'the file(s) to publish, the main one first'))
    .description('publish files as a new version (versions are immutable)')
    .option('--kind <kind>', 'firmware, plugin, package, or a media type (the OCI artifactType)', 'package')
    .option('--label <key=value>', 'a label (repeatable)', repeat, [])
    .option('--keyword <word>', 'a search keyword (repeatable)', repeat, [])
    .option('--description <text>', 'a description')
    .addHelpText('after', HELP)
    .action((reference: string, files: string[], flags: PushFlags) => runCommand(flags, () => pushArtifact(reference, files, flags)));
  addRegistryOptions(artifact.command('pull').argument('<reference>', '<space>/<name>:<version>, <space>/<name>@<range> or <space>/<name>'))
    .description('download a version, checked against its digest')
    .option('-o, --output <file>', 'where to write it (- for stdout; default the file\'s own name as a plain name in this directory, never replacing a file there)')
    .option('--file <title>', 'which file of the version (default the first)')
    .addHelpText('after', HELP)
    .action((reference: string, flags: PullFlags) => runCommand(flags, () => pullArtifact(reference, flags)));
  addRegistryOptions(artifact.command('ls').argument('[space]', 'a space (default: every space)'))
    .description('list artifacts with their latest version')
    .option('--kind <kind>', 'only this kind')
    .option('--label <key=value>', 'only artifacts with this label (key alone: with the label at all; repeatable)', repeat, [])
    .action((space: string | undefined, flags: ListFlags) => runCommand(flags, () => listArtifacts(space, flags)));
  addRegistryOptions(artifact.command('search').argument('<query>', 'words of the name or keywords'))
    .description('search artifacts by name and keywords')
    .option('--kind <kind>', 'only this kind')
    .action((query: string, flags: ListFlags) => runCommand(flags, () => searchArtifacts(query, { ...flags, label: [] })));
  addRegistryOptions(artifact.command('resolve').argument('<reference>', '<space>/<name>@<range>'))
    .description('print the version a range resolves to, and its manifest digest')
    .addHelpText('after', HELP)
    .action((reference: string, flags: RegistryFlags) => runCommand(flags, () => resolveArtifact(reference, flags)));
}

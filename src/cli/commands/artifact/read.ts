// `hcr artifact ls`, `search` and `resolve`: listings and semver resolution through the gateway's
// package door (the index underneath), as a table or, with --json, as the gateway's JSON.
import { jsonAnswer } from '../../bounded-answer';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { terminalName, terminalText } from '../../terminal-text';
import { resolveRef } from './pull';
import { parseArtifactRef } from './reference';
import { authorization, registryUrl, type RegistryFlags, request } from './registry-client';

export interface ListFlags extends RegistryFlags {
  kind?: string;
  label: string[];
}

interface Summary {
  name: string;
  latest: string;
  versionCount: number;
  kinds: string[];
  description: string | null;
  keywords: string[];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

function printSummaries(summaries: Summary[], json: unknown, flags: RegistryFlags): void {
  if (flags.json) return void process.stdout.write(`${jsonText(json, 2)}\n`);
  if (summaries.length === 0) return void process.stderr.write('no artifacts\n');
  // Every cell is what a publisher (anyone) wrote: escape sequences, carriage returns and lookalikes are shown escaped.
  const rows = [['NAME', 'LATEST', 'VERSIONS', 'KIND', 'DESCRIPTION'], ...summaries.map((s) => [terminalName(s.name), terminalName(s.latest), String(s.versionCount), terminalName(s.kinds.join(',')), terminalText(s.description ?? (s.keywords.join(', ') || ''))])];
  process.stdout.write(`${table(rows)}\n`);
}

export async function listArtifacts(space: string | undefined, flags: ListFlags): Promise<void> {
  const params = new URLSearchParams({ limit: '1000' });
  if (space) params.set('space', space);
  if (flags.kind) params.set('kind', flags.kind);
  for (const label of flags.label) params.append('label', label);
  const auth = await authorization(flags);
  const body = await jsonAnswer<{ packages: Summary[] }>(await request(`${registryUrl(flags)}/api/packages?${params}`, { headers: auth ? { authorization: auth } : {} }));
  printSummaries(body.packages, body, flags);
}

export async function searchArtifacts(query: string, flags: ListFlags): Promise<void> {
  if (query.trim() === '') throw new CliError('give words to search for: hcr artifact search sensor', EXIT.usage);
  const params = new URLSearchParams({ q: query });
  if (flags.kind) params.set('kind', flags.kind);
  const auth = await authorization(flags);
  const body = await jsonAnswer<{ results: Summary[] }>(await request(`${registryUrl(flags)}/api/search?${params}`, { headers: auth ? { authorization: auth } : {} }));
  printSummaries(body.results, body, flags);
}

export async function resolveArtifact(refText: string, flags: RegistryFlags): Promise<void> {
  const resolved = await resolveRef(parseArtifactRef(refText), flags, await authorization(flags));
  if (flags.json) process.stdout.write(`${jsonText(resolved, 2)}\n`);
  else process.stdout.write(`${terminalName(String(resolved.version))} ${terminalName(String(resolved.manifestDigest))}\n`);
}

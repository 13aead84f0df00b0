// What commands print on stdout: JSON for scripts with --json, otherwise lines for people.
import { displayBytes, type SpaceView, type TxResult } from '../../../chain';
import { jsonText } from '../../json-output';
import { terminalName } from '../../terminal-text';

export interface SpaceJson {
  readonly id: string;
  /** The name as text; the hex form when the bytes on chain are not UTF-8. */
  readonly name: string;
  readonly nameHex: string;
  readonly owner: string;
  /** As stored on chain: the owner first. */
  readonly members: string[];
  readonly images: string[];
}

export interface TxJson {
  readonly txHash: string;
  readonly blockHash: string;
  readonly blockNumber: number;
  /** The status waited for: inBlock or finalized. */
  readonly status: string;
}

export function spaceJson(space: SpaceView): SpaceJson {
  return {
    id: space.id,
    name: displayBytes(space.repoName),
    nameHex: space.repoName.hex,
    owner: space.owner,
    members: space.members,
    images: space.imageNames.map(displayBytes),
  };
}

export function txJson(result: TxResult, status: string): TxJson {
  return { txHash: result.txHash, blockHash: result.blockHash, blockNumber: result.blockNumber, status };
}

/** Writes `json` with --json, the human lines otherwise. */
export function printResult(asJson: boolean | undefined, json: unknown, human: () => string[]): void {
  const text = asJson ? jsonText(json, 2) : human().join('\n');
  process.stdout.write(`${text}\n`);
}

// Names and image names are whatever a stranger wrote on chain: printed for people through
// terminalName, so escape sequences, carriage returns and lookalike letters show as escapes.
export function spaceLines(space: SpaceJson): string[] {
  return [
    `space ${space.id}  ${terminalName(space.name)}`,
    `  owner    ${space.owner}`,
    `  members  ${space.members.length ? space.members.join('\n           ') : '(none)'}`,
    `  images   ${space.images.length ? space.images.map(terminalName).join(', ') : '(none)'}`,
  ];
}

export function spaceTable(spaces: readonly SpaceJson[]): string[] {
  if (spaces.length === 0) return ['no spaces'];
  const rows = spaces.map((s) => [s.id, terminalName(s.name), s.owner, String(s.members.length), String(s.images.length)]);
  const header = ['ID', 'NAME', 'OWNER', 'MEMBERS', 'IMAGES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function blockLine(result: TxResult, status: string): string {
  return `${status === 'finalized' ? 'finalized in' : 'in'} block #${result.blockNumber} (${result.blockHash}), transaction ${result.txHash}`;
}

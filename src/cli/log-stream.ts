// Where a service's log lines go (stderr), made safe for the terminal an operator tails them in.
// Log lines quote what clients and the chain sent: a request path with byte 0x9b (U+009B, CSI in
// a terminal that honours 8-bit controls), a name recorded on chain with a bidi override. The
// text format prints such values raw, and JSON.stringify leaves them raw too. So text lines pass
// through terminalLines (controls and invisible characters shown as escapes), and JSON lines
// have every character outside printable ASCII written as a \u escape, which keeps them the same
// JSON for a log collector (such characters can only stand inside JSON strings).
import { hideUrlLogins } from '../observability/url-logins';
import { asciiJson } from './json-output';
import { terminalLines } from './terminal-text';

interface Target {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** A stream for createLogger with `format` ('json', 'text' or 'auto', decided as the logger decides it). */
export function terminalSafeLogStream(format: string | undefined, target: Target = process.stderr): Target {
  const json = format === 'json' || (format !== 'text' && !target.isTTY);
  return { isTTY: target.isTTY, write: (chunk: string) => target.write(json ? asciiJson(chunk) : terminalLines(chunk)) };
}

/**
 * A plain `(line) => void` log on stderr: a JSON line (a child service's) escaped as JSON, any
 * other as text, with URL logins starred out either way (a line naming the chain or IPFS URL it
 * could not reach quotes the URL as given: `wss://API_KEY@rpc…`).
 */
export const printLogLine = (line: string): void => {
  const shown = hideUrlLogins(line);
  process.stderr.write(`${isJsonLine(shown) ? asciiJson(shown) : terminalLines(shown)}\n`);
};

function isJsonLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

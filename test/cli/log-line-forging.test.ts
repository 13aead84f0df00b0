// The gateway's log lines quote what strangers wrote: a repository name, a header value, a record
// on chain. Whoever writes one must not be able to end the line and forge the next one (a line
// feed, a carriage return, NEL, U+2028/U+2029), rewrite the terminal the log is tailed in (ESC,
// the C1 CSI U+009B, DEL) or reorder what follows on screen (bidi overrides and isolates), in the
// text format or in JSON, whoever writes the logger's output: `hcr gateway` escapes its output
// again, but the logger is also used without it. A JSON line must stay valid JSON with the exact
// values, and a field JSON cannot hold must not cost the line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, type Logger, type LogFormat } from '../../src/observability/logger';

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['line feed', '\n'],
  ['carriage return', '\r'],
  ['NEL', '\u0085'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['ESC', '\x1b[2J'],
  ['C1 CSI', '\u009b2J'],
  ['DEL', '\x7f'],
  ['NUL', '\0'],
  ['tab', '\t'],
  ['backspace', '\b'],
  ['vertical tab', '\v'],
  ['form feed', '\f'],
  ['LRE', '\u202a'],
  ['RLE', '\u202b'],
  ['PDF', '\u202c'],
  ['LRO', '\u202d'],
  ['RLO', '\u202e'],
  ['LRI', '\u2066'],
  ['RLI', '\u2067'],
  ['FSI', '\u2068'],
  ['PDI', '\u2069'],
  // Not a control, but half a character: JSON must still carry it exactly.
  ['lone surrogate', '\ud800'],
];

/** Any character that breaks a line, drives a terminal or reorders text, raw. */
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A name that tries to end its line and print a forged one after it. */
const forged = (char: string) => `acme/web${char}12:00:00.000 INFO  gateway: login ok account=admin`;

function capture(format: LogFormat): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ format, service: 'gateway', level: 'debug', stream: { write: (chunk: string) => lines.push(chunk) } });
  return { logger, lines };
}

/** Every write is exactly one line, with nothing raw in it. */
function assertOneSafeLine(chunk: string, what: string): string {
  assert.ok(chunk.endsWith('\n'), `${what}: the line ends with its line feed`);
  const line = chunk.slice(0, -1);
  assert.doesNotMatch(line, RAW, `${what}: ${JSON.stringify(line)}`);
  return line;
}

describe('log lines with hostile values in the message and the fields', () => {
  for (const [name, char] of HOSTILE) {
    test(`text: a ${name} in the message, fields and keys leaves one line with nothing raw`, () => {
      const { logger, lines } = capture('text');
      const value = forged(char);
      logger.info(`pulled ${value}`, { repository: value, nested: { names: [value] }, [`key${char}`]: 'v' });
      logger.line(`mirror: passing over ${value}`);
      assert.equal(lines.length, 2);
      for (const chunk of lines) {
        const line = assertOneSafeLine(chunk, name);
        assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} (INFO |ERROR) gateway: /, 'the line begins as the logger wrote it');
      }
    });

    test(`json: a ${name} leaves one line with nothing raw that parses back to the exact values`, () => {
      const { logger, lines } = capture('json');
      const value = forged(char);
      logger.warn(`pulled ${value}`, { repository: value, nested: { names: [value] }, [`key${char}`]: 'v' });
      assert.equal(lines.length, 1);
      const record = JSON.parse(assertOneSafeLine(lines[0], name));
      assert.equal(record.level, 'warn');
      assert.equal(record.service, 'gateway');
      assert.equal(record.msg, `pulled ${value}`);
      assert.equal(record.repository, value);
      assert.deepEqual(record.nested, { names: [value] });
      assert.equal(record[`key${char}`], 'v');
    });
  }

  test('text: the escapes are the ones the CLI shows (\\x1b, \\x9b, \\u202e, \\u2028), in place', () => {
    const { logger, lines } = capture('text');
    logger.error('refused', { repository: 'web\u009b2J\u202eexe', header: 'a\x1b]0;title\x07b', name: 'x\u2028y' });
    const line = assertOneSafeLine(lines[0], 'escapes');
    assert.ok(line.includes('repository=web\\x9b2J\\u202eexe'), line);
    assert.ok(line.includes('header=a\\x1b]0;title\\x07b'), line);
    // U+2028 counts as white space, so the value is quoted, and escaped inside the quotes.
    assert.ok(line.includes('name="x\\u2028y"'), line);
  });

  for (const format of ['text', 'json'] as const) {
    test(`${format}: a bigint field, or one that refers to itself, is logged instead of throwing`, () => {
      const { logger, lines } = capture(format);
      const loop: Record<string, unknown> = { name: 'a' };
      let deep: Record<string, unknown> = loop;
      for (let i = 0; i < 8; i++) deep = deep.next = { name: `n${i}` };
      deep.next = loop;
      logger.info('block imported', { height: 12_345_678_901_234_567_890n });
      logger.info('odd fields', { loop });
      assert.equal(lines.length, 2);
      const [height, odd] = lines.map((chunk) => assertOneSafeLine(chunk, format));
      if (format === 'json') {
        assert.equal(JSON.parse(height).height, '12345678901234567890');
        const record = JSON.parse(odd);
        assert.equal(record.msg, 'odd fields');
        assert.match(record.fieldsNotLogged, /circular/i);
      } else {
        assert.ok(height.endsWith('block imported height="12345678901234567890"'), height);
        assert.match(odd, /odd fields loop=\[not logged: .*circular/i);
      }
    });
  }
});

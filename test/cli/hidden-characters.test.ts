// Text strangers write (descriptions, labels, names on chain, request paths in logs) is shown with
// its invisible characters as visible escapes, in the terminal, on the web page and in logs. Among
// them: the soft hyphen and the halfwidth filler (shown as nothing), and the tag characters
// U+E0000–E007F, invisible letters that can spell a hidden message after visible text. A JSON log
// line writes a character beyond U+FFFF as its surrogate pair, so the line is still the same JSON.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { terminalText } from '../../src/cli/terminal-text';
import { escapeJsonLine, escapeTextLine } from '../../src/observability/log-escapes';
import { freeText } from '../../src/web/untrusted-text';

// "ok" followed by "rm" spelled in tag characters (U+E0072 U+E006D), a soft hyphen and U+FFA0.
const hidden = `ok\u{e0072}\u{e006d}\u00ad\uffa0`;

describe('invisible characters in untrusted text', () => {
  test('the terminal shows each as an escape', () => {
    assert.equal(terminalText(hidden), 'ok\\u{e0072}\\u{e006d}\\xad\\uffa0');
  });

  test('the web page shows each as an escape', () => {
    assert.equal(freeText(hidden), 'ok\\u{e0072}\\u{e006d}\\u00ad\\uffa0');
  });

  test('a text log line shows each as an escape', () => {
    assert.equal(escapeTextLine(`GET /v2/${hidden}`), 'GET /v2/ok\\u{e0072}\\u{e006d}\\xad\\uffa0');
  });

  test('a JSON log line escapes each and stays the same JSON', () => {
    const line = JSON.stringify({ msg: hidden });
    const escaped = escapeJsonLine(line);
    assert.doesNotMatch(escaped, /[\u{e0000}-\u{e007f}\u00ad\uffa0]/u, 'a hidden character stayed raw');
    assert.deepEqual(JSON.parse(escaped), { msg: hidden });
  });
});

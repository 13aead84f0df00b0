// A label keyed "__proto__" is refused with a message, not dropped: JSON.parse keeps it as a key,
// but assigning it to an object sets the object's prototype, so the label would vanish silently
// here (and pollute any client that copies labels into an object).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLabels, parseMetadataJson } from '../../src/gateway/artifacts/metadata';

describe('label keys', () => {
  test('"__proto__" is refused, naming the key and the fix', () => {
    const body = parseMetadataJson('{"name":"base","version":"1.0.0","labels":{"__proto__":"x","app":"base"}}');
    assert.throws(() => checkLabels(body.labels, 'metadata.labels'), /label key "__proto__" is not accepted .*: choose another key/);
  });

  test('other keys are kept as sent', () => {
    assert.deepEqual(checkLabels({ app: 'base', constructor: 'c' }), { app: 'base', constructor: 'c' });
  });
});

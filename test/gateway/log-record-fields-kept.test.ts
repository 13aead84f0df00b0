// A JSON log line's own keys (time, level, service, msg) belong to the record. Fields are logged
// beside them, and some carry values from requests or the chain: a field of the same name must not
// replace them, or an error line could read as `info` (and slip past an alert on level), move in
// time, or pass for another service's. The field is kept, renamed `field.<name>`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/observability/logger';

function jsonLogger(service?: string) {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', level: 'debug', service, stream: { write: (chunk: string) => lines.push(chunk) } });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('JSON log lines keep the record\'s own time, level, service and msg', () => {
  test('fields named time, level, service and msg are renamed field.<name>, their values kept', () => {
    const { logger, records } = jsonLogger('gateway');
    logger.error('push refused', { time: '1999-01-01T00:00:00.000Z', level: 'info', service: 'wallet-api', msg: 'all good', repository: 'acme/web' });

    const [record] = records();
    assert.match(String(record.time), ISO_TIME);
    assert.notEqual(record.time, '1999-01-01T00:00:00.000Z');
    assert.equal(record.level, 'error');
    assert.equal(record.service, 'gateway');
    assert.equal(record.msg, 'push refused');
    assert.equal(record['field.time'], '1999-01-01T00:00:00.000Z');
    assert.equal(record['field.level'], 'info');
    assert.equal(record['field.service'], 'wallet-api');
    assert.equal(record['field.msg'], 'all good');
    assert.equal(record.repository, 'acme/web');
  });

  test('a child logger\'s bound fields are renamed the same way', () => {
    const { logger, records } = jsonLogger('gateway');
    logger.child({ level: 'debug', requestId: 'r1' }).warn('slow peer', { service: 'peer' });
    const [record] = records();
    assert.equal(record.level, 'warn');
    assert.equal(record.service, 'gateway');
    assert.equal(record['field.level'], 'debug');
    assert.equal(record['field.service'], 'peer');
    assert.equal(record.requestId, 'r1');
  });

  test('service is the record\'s even on a logger without one, and a field already named field.time keeps its name', () => {
    const { logger, records } = jsonLogger();
    logger.info('started', { service: 'forged', 'field.time': 'kept', time: 'renamed' });
    const [record] = records();
    assert.equal(Object.hasOwn(record, 'service'), false);
    assert.equal(record['field.service'], 'forged');
    assert.equal(record['field.time'], 'kept');
    assert.equal(record['field.field.time'], 'renamed');
    assert.match(String(record.time), ISO_TIME);
  });

  test('fields that clash with nothing are logged as they were, in order', () => {
    const { logger, records } = jsonLogger('gateway');
    logger.info('pulled', { repository: 'acme/web', tag: '1.0', bytes: 10 });
    assert.deepEqual(Object.keys(records()[0]), ['time', 'level', 'service', 'msg', 'repository', 'tag', 'bytes']);
  });
});

// DiscoverPlugins lists up to 1,000 plugin versions, and anyone may call it. Their files' CIDs were
// asked of the index once per space owner, one query after another, so one anonymous call across
// many spaces made up to 1,000 index queries. It is now one query for every file listed, each file
// still answered only from its own version's owner's records: a CID recorded by anyone else (a
// stranger, or another owner in the same listing) is never given as the file's CID.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ScriptedPluginDoor, startScriptedPluginDoor } from './helpers/scripted-plugin-door';

const SPACES = 40;
const digest = (label: string) => `sha256:${Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64)}`;
const SHARED = digest('shared');
/** Version i lives in space team<i>, owned by owner<i>; versions 3 and 4 carry the same file. */
const fileOf = (i: number) => (i === 3 || i === 4 ? SHARED : digest(`file${i}`));

const versionRow = (i: number) => ({
  version: '1.0.0', artifactType: 'application/vnd.hcr.plugin.v1', digest: digest(`manifest${i}`), cid: `bafymanifest${i}`, totalSize: '1',
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', moved: false, moveCount: 0, originalDigest: null, artifactName: 'tool',
  space: { id: String(i), name: `team${i}`, owner: `owner${i}` }, labels: [], description: null,
  files: [{ title: 'tool.so', mediaType: 'application/octet-stream', digest: fileOf(i), size: '1' }],
});

/** Every record of these files, newest first, whoever made it: the index gives all it is asked for. */
const RECORDS = [
  { digest: fileOf(0), cid: 'bafystranger', account: { id: 'stranger' }, blockNumber: 9 },
  { digest: fileOf(1), cid: 'bafyowner2-of-file1', account: { id: 'owner2' }, blockNumber: 9 },
  { digest: SHARED, cid: 'bafyowner4-shared', account: { id: 'owner4' }, blockNumber: 8 },
  { digest: fileOf(0), cid: 'bafyowner0', account: { id: 'owner0' }, blockNumber: 5 },
  { digest: SHARED, cid: 'bafyowner3-shared', account: { id: 'owner3' }, blockNumber: 4 },
  ...Array.from({ length: SPACES }, (_, i) => i).filter((i) => ![0, 1, 3, 4].includes(i)).map((i) => ({ digest: fileOf(i), cid: `bafyowner${i}`, account: { id: `owner${i}` }, blockNumber: 3 })),
];

let door: ScriptedPluginDoor;

before(async () => {
  door = await startScriptedPluginDoor((query) => {
    if (/\bartifactVersions\s*\(/.test(query)) return { body: { data: { artifactVersions: Array.from({ length: SPACES }, (_, i) => versionRow(i)) } } };
    if (/\bdigestInfoRecords\s*\(/.test(query)) return { body: { data: { digestInfoRecords: RECORDS } } };
    return { status: 400, body: { errors: [{ message: 'not scripted' }] } };
  });
});

after(async () => {
  await door?.close();
});

test(`DiscoverPlugins over ${SPACES} spaces asks the index for the files' CIDs once, each from its own owner's records`, async () => {
  const { plugins } = await door.call('DiscoverPlugins', {});
  const cidQueries = door.queries.filter((q) => /\bdigestInfoRecords\s*\(/.test(q.query));
  assert.equal(cidQueries.length, 1, `${cidQueries.length} index queries for the CIDs of one call's files`);
  assert.equal(door.queries.length, 2, 'one listing query and one CID query in all');
  assert.equal(plugins.length, SPACES);
  const cidOf = (i: number) => plugins.find((p: { name: string }) => p.name === `team${i}/tool`)?.cid;
  assert.equal(cidOf(0), 'bafyowner0', 'the owner\'s own record, not the stranger\'s newer one');
  assert.equal(cidOf(1), '', 'a file its owner never recorded has no CID, though another owner in the listing recorded it');
  assert.equal(cidOf(3), 'bafyowner3-shared', 'one file in two spaces: each owner\'s own record');
  assert.equal(cidOf(4), 'bafyowner4-shared');
  for (let i = 5; i < SPACES; i += 1) assert.equal(cidOf(i), `bafyowner${i}`);
  assert.ok(!plugins.some((p: { cid: string }) => p.cid === 'bafystranger' || p.cid === 'bafyowner2-of-file1'), 'no one else\'s record is given');
});

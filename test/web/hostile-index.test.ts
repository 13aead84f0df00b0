// The page against an index that says what a stranger wants it to: lists of thousands (members a
// space owner added, an account made a member of thousands of spaces, thousands of tags), an
// answer refused for its size, and account ids holding bidi controls. In Chromium, over the real
// built page and its headers, with a fake wallet API in front of the fake index.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { accountsOnlyWallet, type FakeRegistry, spaceSummary, startFakeRegistry } from './helpers/fake-registry';

const ME = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
/** Reads as Alice's address where bidi overrides are honoured. */
const BIDI_ACCOUNT = `\u202e${[...ALICE].reverse().join('')}`;
const MEMBERS = 20_000;
const TAGS = 3_000;
const MEMBERSHIPS = 5_000;
const PLATFORMS = 40_000;
const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** What the fake index answers, switched by the tests. */
let refuseMySpaces = false;
let newSpace = false;

function answer(operation: string): unknown {
  switch (operation) {
    case 'Recent':
      return { data: { spaces: [...(newSpace ? [spaceSummary('9', 'fresh', ALICE)] : []), spaceSummary('7', 'crowd', ALICE, { members: MEMBERS, images: 1, tags: TAGS }), spaceSummary('8', 'lookalike', BIDI_ACCOUNT)], images: [] } };
    case 'MySpaces':
      if (refuseMySpaces) return { errors: [{ message: 'RESPONSE_TOO_LARGE: the answer holds more than 20000 rows' }] };
      // Whatever limit was asked: an index that lies sends them all.
      return { data: { owned: [], memberships: Array.from({ length: MEMBERSHIPS }, (_, i) => ({ space: spaceSummary(String(100 + i), `spam${i}`, ALICE) })) } };
    case 'SpaceDetail':
      return {
        data: {
          spaceById: {
            ...spaceSummary('7', 'crowd', BIDI_ACCOUNT, { members: MEMBERS, images: 1, tags: TAGS }),
            members: Array.from({ length: MEMBERS }, (_, i) => ({ id: `7-${i}`, isOwner: i === 0, position: i, blockNumber: 1, timestamp: '2026-01-01T00:00:00.000Z', account: { id: i === 1 ? BIDI_ACCOUNT : `${ALICE.slice(0, -6)}${String(i).padStart(6, '0')}` } })),
            images: [
              {
                id: '7-web',
                name: 'web',
                nameHex: '0x776562',
                tagCount: TAGS,
                manifestCount: 1,
                updatedAt: '2026-01-01T00:00:00.000Z',
                tags: Array.from({ length: TAGS }, (_, i) => ({ id: `7-web-${i}`, name: `v${i}`, nameHex: '0x', digest: DIGEST, updatedAt: '2026-01-01T00:00:00.000Z', updateCount: 1, manifest: null, history: [] })),
              },
            ],
          },
        },
      };
    case 'TagContents':
      // An image index anyone can write names as many platforms as 4 MiB holds.
      return { data: { tagContents: [{ tagId: '7-web-0', state: 'indexed', kind: 'index', artifactType: null, totalSize: '1', layerCount: null, childCount: PLATFORMS, platforms: Array.from({ length: PLATFORMS }, (_, i) => `linux/arch${i}`) }] } };
    case 'SpaceArtifacts':
      return { data: { artifacts: [] } };
    case 'IndexHeight':
      return { data: { squidStatus: { height: 1 } } };
    default:
      return { data: { spaces: [], images: [] } };
  }
}

describe('the page against a hostile or enormous index', { skip: browserSkipReason() }, () => {
  let registry: FakeRegistry;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    // The first run after a change of src/web builds the page (Vite) first.
    registry = await startFakeRegistry(answer);
    browser = await launchChromium();
    await browser.context.addInitScript(accountsOnlyWallet([{ address: ME, name: 'Me' }]));
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await registry?.close();
  });

  test('a space with thousands of members and tags shows the first ones and says how many more there are', { timeout: 60_000 }, async () => {
    await page.goto(registry.url);
    await page.locator('#recent [data-space-id="7"]').getByRole('button').click();
    const detail = page.locator('#space-detail [data-space-id="7"]');
    await detail.waitFor();
    const members = await detail.locator('ul.members > li').count();
    const tags = await detail.locator('[data-tag]').count();
    assert.ok(members <= 100, `${members} members rendered`);
    assert.ok(tags <= 20, `${tags} tags rendered`);
    const notes = await detail.locator('[data-notice="more"]').allTextContents();
    assert.ok(notes.some((note) => note.includes(`${(MEMBERS - members).toLocaleString('en')} more members`)), JSON.stringify(notes));
    assert.ok(notes.some((note) => note.includes(`${(TAGS - tags).toLocaleString('en')} more tags`)), JSON.stringify(notes));
    const asked = registry.graphqlRequests.find((r) => r.query.includes('query SpaceDetail'))!.query;
    assert.match(asked, /members\([^)]*limit: 101/, 'the members are asked for with a limit');
    assert.match(asked, /tags\([^)]*limit: 21/, 'the tags are asked for with a limit');
  });

  test('an image index naming thousands of platforms shows the first ones and says how many more', { timeout: 60_000 }, async () => {
    await page.goto(registry.url);
    await page.locator('#recent [data-space-id="7"]').getByRole('button').click();
    const platforms = page.locator('#space-detail [data-tag="v0"] dd.platforms');
    await platforms.waitFor();
    const text = (await platforms.textContent()) ?? '';
    const shown = (text.match(/linux\/arch\d+/g) ?? []).length;
    assert.ok(shown > 0 && shown <= 32, `${shown} platforms rendered`);
    assert.ok(text.endsWith(`… and ${(PLATFORMS - shown).toLocaleString('en')} more`), text.slice(-200));
  });

  test('an account id with a bidi override cannot read as another address', { timeout: 60_000 }, async () => {
    const detail = page.locator('#space-detail [data-space-id="7"]');
    const text = await detail.innerText();
    assert.doesNotMatch(text, RAW_CONTROLS, 'no raw bidi control in the space');
    assert.ok(text.includes('\\u202e'), 'the override shows as an escape');
    const listed = await page.locator('#recent [data-space-id="8"]').innerText();
    assert.doesNotMatch(listed, RAW_CONTROLS, listed);
  });

  test('an account made a member of thousands of spaces sees the first ones', { timeout: 60_000 }, async () => {
    refuseMySpaces = false;
    await page.goto(registry.url);
    await page.locator('#recent [data-space-id="7"]').waitFor();
    await page.locator('#connect:enabled').click();
    await page.locator('#member-spaces li').first().waitFor();
    const listed = await page.locator('#member-spaces li').count();
    assert.ok(listed <= 50, `${listed} memberships rendered`);
    await page.locator('#member-spaces [data-notice="more"]').waitFor();
    const asked = registry.graphqlRequests.find((r) => r.query.includes('query MySpaces'))!.query;
    assert.match(asked, /spaceMembers\([^)]*limit: 51/, 'the memberships are asked for with a limit');
  });

  test('an index that refuses one list still updates the others', { timeout: 60_000 }, async () => {
    refuseMySpaces = true;
    newSpace = false;
    await page.goto(registry.url);
    await page.locator('#recent [data-space-id="7"]').waitFor();
    // A space created since: connecting re-reads every list, and only "your spaces" is refused.
    newSpace = true;
    await page.locator('#connect:enabled').click();
    await page.locator('#browse-status', { hasText: 'could not be read' }).waitFor();
    await page.locator('#recent [data-space-id="9"]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('#browse-status').innerText(), /your spaces: .*RESPONSE_TOO_LARGE/);
  });
});

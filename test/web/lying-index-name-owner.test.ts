// Which space owns a name is checked against the chain, not taken from the index. On the dev chain
// Dave claims "acme" first and Eve makes a shadow of it; the real wallet API reads the chain, and
// its index is a fake that swaps the two (Eve's space the owner, Dave's the shadow) and lists a
// space the chain does not have. In Chromium, Eve's space is shown as the shadow it is, with no
// pull commands; Dave's as the owner, with them; the made-up space with none; each saying what
// the index claimed instead.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Page } from 'playwright-core';
import { createSpace, signerFromUri, spaceByOwner, submitTx } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { requestJson } from '../wallet-api/helpers/http';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { spaceSummary } from './helpers/fake-registry';

const DIGEST = `sha256:${'cd34'.repeat(16)}`;
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const MADE_UP = '999999999';
const AT = '2026-01-01T00:00:00.000Z';

type Summary = Omit<ReturnType<typeof spaceSummary>, 'shadowOf'> & { shadowOf: { id: string; owner: { id: string } } | null };

/** A space as the index's SpaceDetail has it, with one image "web" and its tag "1.0". */
function detail(summary: Summary) {
  return {
    ...summary,
    members: [{ id: `${summary.id}-0`, isOwner: true, position: 0, blockNumber: 1, timestamp: AT, account: { id: summary.owner.id } }],
    images: [
      {
        id: `${summary.id}-web`,
        name: 'web',
        nameHex: '0x776562',
        tagCount: 1,
        manifestCount: 1,
        updatedAt: AT,
        tags: [{ id: `${summary.id}-web-1.0`, name: '1.0', nameHex: '0x312e30', digest: DIGEST, updatedAt: AT, updateCount: 1, manifest: { cid: CID, digest: DIGEST }, history: [] }],
      },
    ],
  };
}

/** A GraphQL endpoint answering the page's queries from `spaces`, whatever the chain says. */
async function startLyingIndex(spaces: Summary[]): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.post('/graphql', (req, res) => {
    const query = String(req.body?.query ?? '');
    const operation = query.includes('squidStatus') ? 'IndexHeight' : (/^\s*(?:query\s+)?(\w+)?/.exec(query)?.[1] ?? '');
    const answers: Record<string, unknown> = {
      IndexHeight: { squidStatus: { height: 1_000_000 } },
      Recent: { spaces, images: [] },
      SpaceDetail: { spaceById: ((s) => (s ? detail(s) : null))(spaces.find((s) => s.id === req.body?.variables?.id)) },
      SpaceArtifacts: { artifacts: [] },
      TagContents: { tagContents: [] },
    };
    res.json({ data: answers[operation] ?? {} });
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('a space\'s claim on its name, from the chain', () => {
  let chain: TestChain;
  let index: Awaited<ReturnType<typeof startLyingIndex>>;
  let server: WalletApiServer;
  let browser: TestBrowser | undefined;
  let page: Page;
  let owner: { id: string; account: string };
  let shadow: { id: string; account: string };

  before(async () => {
    chain = await startTestChain();
    const [dave, eve] = await Promise.all([signerFromUri('//Dave'), signerFromUri('//Eve')]);
    // Eve's space is created through the chain client directly: the API refuses a taken name.
    await submitTx(chain.api, createSpace(chain.api, 'acme'), dave, { until: 'finalized' });
    await submitTx(chain.api, createSpace(chain.api, 'acme'), eve, { until: 'finalized' });
    owner = { id: (await spaceByOwner(chain.api, dave.address))!.id, account: dave.address };
    shadow = { id: (await spaceByOwner(chain.api, eve.address))!.id, account: eve.address };
    // The lie: Eve's shadow as the name's owner, Dave's space as its shadow, and a space the chain lacks.
    const lie = spaceSummary(shadow.id, 'acme', shadow.account, { images: 1, tags: 1 });
    const demoted = { ...spaceSummary(owner.id, 'acme', owner.account, { images: 1, tags: 1 }), isNameOwner: false, takesNameWrites: false, shadowOf: { id: shadow.id, owner: { id: shadow.account } } };
    index = await startLyingIndex([lie, demoted, spaceSummary(MADE_UP, 'zeta', dave.address, { images: 1, tags: 1 })]);
    server = await startWalletApiServer({ api: chain.api, graphqlUrl: index.url, port: 0 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await index?.close();
    await chain?.close();
  });

  test('GET /api/spaces/{id}/name answers from chain state', async () => {
    const base = `${server.url}/api/spaces`;
    const ofShadow = await requestJson(`${base}/${shadow.id}/name`);
    assert.equal(ofShadow.status, 200);
    assert.deepEqual(
      { isNameOwner: ofShadow.body.isNameOwner, shadowOf: ofShadow.body.shadowOf, name: ofShadow.body.name, owner: ofShadow.body.owner },
      { isNameOwner: false, shadowOf: { id: owner.id, owner: { id: owner.account } }, name: 'acme', owner: { id: shadow.account } },
    );
    const ofOwner = await requestJson(`${base}/${owner.id}/name`);
    assert.equal(ofOwner.body.isNameOwner, true);
    assert.equal(ofOwner.body.shadowOf, null);
    assert.equal(ofOwner.body.takesNameWrites || ofShadow.body.takesNameWrites, true, 'one of the two takes the name\'s writes');
    const missing = await requestJson(`${base}/${MADE_UP}/name`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, new RegExp(`the chain has no space ${MADE_UP}: check the id`));
    const bad = await requestJson(`${base}/acme/name`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'id');
  });

  describe('in Chromium', { skip: browserSkipReason() }, () => {
    before(async () => {
      browser = await launchChromium();
      page = await browser.context.newPage();
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await page.goto(server.url);
      await page.locator('#recent [data-space-id]').first().waitFor();
    });

    const open = async (id: string) => {
      await page.locator(`#recent [data-space-id="${id}"]`).getByRole('button').click();
      const shown = page.locator(`#space-detail [data-space-id="${id}"]`);
      await shown.waitFor();
      await shown.locator('[data-tag="1.0"]').waitFor();
      return shown;
    };

    test('a shadow the index calls the name\'s owner is shown as a shadow, without pull commands', { timeout: 120_000 }, async () => {
      const shown = await open(shadow.id);
      assert.match(await shown.locator('[data-notice="shadow"]').innerText(), new RegExp(`This space is a shadow: the name "acme" belongs to space ${owner.id} \\(owner ${owner.account}\\)`));
      assert.match(await shown.locator('[data-notice="index-disagrees"]').innerText(), new RegExp(`the index calls it the name's owner, but space ${owner.id} claimed the name first.*and no pull commands\\.`));
      assert.equal(await shown.locator('.copyable').count(), 0, 'the shadow\'s tag has a docker pull line');
    });

    test('the owner the index calls a shadow is shown as the owner, with its pull commands', { timeout: 120_000 }, async () => {
      const shown = await open(owner.id);
      assert.equal(await shown.locator('[data-notice="shadow"]').count(), 0);
      assert.match(await shown.locator('[data-notice="index-disagrees"]').innerText(), /the index calls it a shadow, but it claimed its name first/);
      const host = new URL(server.url).host;
      assert.deepEqual(await shown.locator('[data-tag="1.0"] .copyable code').allTextContents(), [`docker pull ${host}/acme/web:1.0`, `docker pull ${host}/acme/web@${DIGEST}`]);
    });

    test('a space the chain does not have gets no pull commands', { timeout: 120_000 }, async () => {
      const shown = await open(MADE_UP);
      assert.match(await shown.locator('[data-notice="index-disagrees"]').innerText(), new RegExp(`the chain has no space ${MADE_UP}.*and no pull commands\\.`));
      assert.equal(await shown.locator('.copyable').count(), 0);
    });
  });
});

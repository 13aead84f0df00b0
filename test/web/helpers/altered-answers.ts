// Answers of the registry's API altered on their way to the page, as a proxy between the two
// could alter them, the page opened with the test wallet's account connected, and the page's
// refusal of a create-space call it was handed.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestWallet } from './test-wallet';

/** Passes the API's JSON answers to `pattern` through `alter` (which changes the body in place) before the page reads them. */
export async function alterJsonAnswers<T>(page: Page, pattern: string, alter: (body: T) => void): Promise<void> {
  await page.route(pattern, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as T;
    alter(body);
    await route.fulfill({ response, json: body });
  });
}

/** Opens the page at `url` and connects the wallet, waiting until `address` is the account shown. */
export async function openConnected(page: Page, url: string, address: string): Promise<void> {
  await page.goto(url);
  await page.locator('#connect:enabled').waitFor();
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  await page.locator('#account-address', { hasText: address }).waitFor();
}

/** Submits the create-space form with `name` and returns the text of its card's alert holding `marker`. */
export async function createSpaceAlert(page: Page, name: string, marker: string): Promise<string> {
  await page.getByLabel('Space name').fill(name);
  await page.getByRole('button', { name: 'Create space' }).click();
  const alert = page.locator('.progress[data-for="create-space"]').getByRole('alert').filter({ hasText: marker });
  await alert.waitFor();
  return alert.innerText();
}

/** Creates `name` and waits for the page's refusal (its alert holding `marker`), which must hold `expected`; the wallet is never asked. */
export async function refusedCreate(page: Page, wallet: TestWallet, name: string, marker: string, expected: RegExp): Promise<void> {
  const asked = wallet.requests.length;
  const text = await createSpaceAlert(page, name, marker);
  assert.match(text, expected);
  assert.match(text, /Nothing was signed\. Reload the page and try again/);
  assert.equal(wallet.requests.length, asked, 'the wallet was asked to sign');
}

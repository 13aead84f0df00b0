// Answers of the registry's API altered on their way to the page, as a proxy between the two
// could alter them, and the page opened with the test wallet's account connected.
import type { Page } from 'playwright-core';

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

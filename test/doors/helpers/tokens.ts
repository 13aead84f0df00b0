// API tokens for tests, minted the way `hcr token create` does: POST /api/tokens with a login
// token signed by the account's key for that one request (valid 10 minutes, used once), which
// may mint a token that outlives it; a longer login (a docker password) may not.
import type { KeyringPair } from '@polkadot/keyring/types';
import { createLoginToken } from '../../../src/gateway';
import { basicCredentials } from '../../../src/gateway/auth/token-service';

/** A login as `hcr token` signs one: valid 10 minutes; it mints one token that outlives it, once. */
export async function loginHeader(pair: KeyringPair, service: string): Promise<string> {
  return basicCredentials(pair.address, await createLoginToken(pair, service, { ttlSeconds: 600 }));
}

export async function mintToken(url: string, service: string, pair: KeyringPair, scopes: string[], name = 'test'): Promise<{ id: string; token: string }> {
  const response = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await loginHeader(pair, service) },
    body: JSON.stringify({ name, scopes }),
  });
  if (response.status !== 201) throw new Error(`minting a token answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; token: string };
}

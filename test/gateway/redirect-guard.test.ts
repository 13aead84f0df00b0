// Where a peer may redirect the gateway: a peer on a public address may not send the gateway's GET
// to loopback, private, link-local or other non-public addresses (named by address or by a host
// name resolving to one), while a peer the operator put on such an address may redirect anywhere.
// The lookup that holds a redirect to public addresses is the one the peer's connection uses.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { peerGet } from '../../src/gateway/peers/peer-http';
import { plainGet } from '../../src/gateway/peers/plain-http-get';
import { isNonPublicAddress, mayRedirectAnywhere, publicOnly, RedirectRefused } from '../../src/gateway/peers/redirect-guard';

const options = { accept: '*/*', stallMs: 2_000, stallError: (phase: string) => new Error(`stalled (${phase})`) };
const publicPeer = new URL('http://203.0.113.9:5000/');

describe('redirects from peers', () => {
  const servers: http.Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });
  const listen = async (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  test('tells public addresses from the others, IPv4 in IPv6 form included', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.5', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::7', '::ffff:127.0.0.1', '[::1]']) {
      assert.equal(isNonPublicAddress(address), true, address);
    }
    for (const address of ['8.8.8.8', '203.0.113.9', '2001:4860:4860::8888', '::ffff:8.8.8.8']) assert.equal(isNonPublicAddress(address), false, address);
  });

  test('reads the IPv4 address an IPv6 one carries (NAT64, 6to4, IPv4-translated or -compatible), and refuses tunnels and local NAT64', () => {
    // As a URL spells them, too: [::ffff:127.0.0.1] becomes [::ffff:7f00:1].
    const carriers = ['::ffff:7f00:1', new URL('http://[::ffff:169.254.169.254]/').hostname, '::ffff:0:7f00:1', '::127.0.0.1', '::a00:1', '64:ff9b::7f00:1', '64:ff9b::169.254.169.254', '2002:a9fe:a9fe::1', '2002:c0a8:101::'];
    for (const address of [...carriers, '64:ff9b:1::a00:1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:db8::1']) assert.equal(isNonPublicAddress(address), true, address);
    for (const address of ['64:ff9b::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '::ffff:0:8.8.8.8']) assert.equal(isNonPublicAddress(address), false, address);
  });

  test('lets a peer on a loopback or private address redirect anywhere, and holds one on a public address to public ones', async () => {
    assert.equal(await mayRedirectAnywhere(new URL('http://127.0.0.1:5000/')), true);
    assert.equal(await mayRedirectAnywhere(new URL('http://10.0.0.2:5000/')), true);
    assert.equal(await mayRedirectAnywhere(new URL('http://localhost:5000/')), true);
    assert.equal(await mayRedirectAnywhere(publicPeer), false);
  });

  test('refuses a redirect to a non-public address, before connecting, and one to a name that resolves to one', async () => {
    let asked = 0;
    const port = await listen((_req, res) => {
      asked++;
      res.end('internal');
    });
    for (const target of [`http://127.0.0.1:${port}/admin`, 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/']) {
      assert.throws(() => publicOnly(publicPeer, new URL(target)), (error: Error) => error instanceof RedirectRefused && /which is not a public address; a peer on a public address may redirect only to public ones/.test(error.message), target);
    }
    // By name: the connection's own lookup refuses it, so nothing reaches the server.
    const byName = new URL(`http://localhost:${port}/admin`);
    await assert.rejects(plainGet(byName, { ...options, lookup: publicOnly(publicPeer, byName) }), (error: Error) => error instanceof RedirectRefused && /localhost \((127\.0\.0\.1|::1)\)/.test(error.message));
    assert.equal(asked, 0, 'the internal server was asked');
  });

  test('still follows a loopback peer\'s redirect to another loopback server, and refuses one to a file: URL', async () => {
    const target = await listen((_req, res) => res.end('over here'));
    const peer = await listen((req, res) => {
      res.writeHead(302, { Location: req.url === '/file' ? 'file:///etc/passwd' : `http://localhost:${target}/block` }).end();
    });
    const moved = await peerGet(`http://127.0.0.1:${peer}/old`, options);
    assert.equal(moved.status, 200);
    const chunks: Uint8Array[] = [];
    for await (const chunk of moved.body) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), 'over here');
    await assert.rejects(peerGet(`http://127.0.0.1:${peer}/file`, options), (error: Error) => error instanceof RedirectRefused && /a file: URL/.test(error.message));
  });
});

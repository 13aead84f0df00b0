// The key every per-client limit counts a client under. An IPv6 host normally holds a whole /64
// and can send from any of its 2^64 addresses, so keyed by its exact address it got a fresh
// allowance from each: it is keyed by its /64, in one spelling whatever form the address came in.
// An IPv4 client (also as ::ffff:a.b.c.d from a dual-stack socket) is keyed by its address. The
// gRPC door's peer strings are checked against what a real grpc-js server gives.
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { clientKey, grpcPeerAddress, requestClientKey } from '../../src/limits/client-key';

describe('clientKey', () => {
  test('every address in one /64, in any spelling, is one client', () => {
    const spellings = [
      '2001:db8:1:2::1',
      '2001:db8:1:2::9',
      '2001:0DB8:0001:0002:0000:0000:0000:0001',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:DB8:1:2:A:B:C:D',
      '[2001:db8:1:2::7]',
      '2001:db8:1:2::7%eth0',
      '2001:db8:1:2:0:0:1.2.3.4',
    ];
    for (const address of spellings) assert.equal(clientKey(address), '2001:db8:1:2::/64', address);
    assert.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64', 'the next /64 is another client');
  });

  test('the /64 is written compressed, in lower case, as RFC 5952 writes it', () => {
    assert.equal(clientKey('2001:db8::1'), '2001:db8::/64');
    assert.equal(clientKey('::1'), '::/64');
    assert.equal(clientKey('0:0:0:1::5'), '0:0:0:1::/64');
    assert.equal(clientKey('1::2:3:4:5:6:7'), '1:0:2:3::/64');
    assert.equal(clientKey('FE80::1%eth0'), 'fe80::/64');
    assert.equal(clientKey('fe80::fc:ff:fe00:1%2'), 'fe80::/64');
  });

  test('an IPv4 client is its address, also when a dual-stack socket or a NAT64 gateway wrote it as IPv6', () => {
    for (const address of ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:203.0.113.7', '::ffff:cb00:7107', '0:0:0:0:0:ffff:cb00:7107', '[::ffff:203.0.113.7]', '64:ff9b::203.0.113.7', '64:ff9b::cb00:7107']) {
      assert.equal(clientKey(address), '203.0.113.7', address);
    }
    assert.equal(clientKey('203.0.113.8'), '203.0.113.8', 'IPv4 clients are not grouped');
    assert.equal(clientKey('::ffff:0:203.0.113.7'), '::/64', 'only the mapped prefix counts as IPv4');
  });

  test('one key for one /64 and another for each other /64, over many random addresses', () => {
    const group = () => Math.floor(Math.random() * 0x10000).toString(16);
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const prefix = [0x2001, 0xdb8, i, Math.floor(Math.random() * 0x10000)].map((g) => g.toString(16));
      const full = [...prefix, group(), group(), group(), group()];
      const key = clientKey(full.join(':'));
      assert.equal(clientKey(full.map((g) => g.padStart(4, '0').toUpperCase()).join(':')), key);
      assert.equal(clientKey([...prefix, group(), group(), group(), group()].join(':')), key, 'another host half');
      assert.ok(isIPv6(key.replace(/\/64$/, '')), `${key} is an IPv6 prefix`);
      keys.add(key);
    }
    assert.equal(keys.size, 200);
  });

  test('what is not an IP address is its own key', () => {
    for (const other of ['unknown', '/run/hcr.sock', 'not-an-address', '']) assert.equal(clientKey(other), other);
  });

  test("a request's key comes from req.ip, else its socket's peer", () => {
    assert.equal(requestClientKey({ ip: '2001:db8:1:2::5', socket: { remoteAddress: '::1' } }), '2001:db8:1:2::/64');
    assert.equal(requestClientKey({ socket: { remoteAddress: '::ffff:127.0.0.1' } }), '127.0.0.1');
    assert.equal(requestClientKey({ socket: {} }), 'unknown');
  });
});

describe('grpcPeerAddress', () => {
  test('takes the port off every form of peer string', () => {
    const peers: [string, string][] = [
      ['::1:5678', '::1'],
      ['::ffff:127.0.0.1:5678', '::ffff:127.0.0.1'],
      ['2001:db8:1:2::5:40000', '2001:db8:1:2::5'],
      ['127.0.0.1:5678', '127.0.0.1'],
      ['ipv4:127.0.0.1:5678', '127.0.0.1'],
      ['ipv6:[2001:db8:1:2::5]:5678', '2001:db8:1:2::5'],
      ['[2001:db8:1:2::5]:5678', '2001:db8:1:2::5'],
      ['unix:/run/hcr.sock', 'unix:/run/hcr.sock'],
      ['unknown', 'unknown'],
    ];
    for (const [peer, address] of peers) assert.equal(grpcPeerAddress(peer), address, peer);
  });

  test('reads what a grpc-js server gives for IPv4, IPv6 and IPv4 on a dual-stack socket', async () => {
    const method = { path: '/hcr.Test/Peer', requestStream: false, responseStream: false, requestSerialize: (v: Buffer) => v, requestDeserialize: (v: Buffer) => v, responseSerialize: (v: Buffer) => v, responseDeserialize: (v: Buffer) => v };
    const peers: string[] = [];
    const server = new grpc.Server();
    server.addService({ Peer: method } as grpc.ServiceDefinition, {
      Peer: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        peers.push(call.getPeer());
        callback(null, Buffer.alloc(0));
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('[::]:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const Client = grpc.makeGenericClientConstructor({ Peer: method } as grpc.ServiceDefinition, 'Test');
    try {
      for (const host of ['127.0.0.1', '[::1]']) {
        const client = new Client(`${host}:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Peer(request: Buffer, callback: (error: grpc.ServiceError | null) => void): void };
        await new Promise<void>((resolve, reject) => client.Peer(Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
        client.close();
      }
    } finally {
      server.forceShutdown();
    }
    assert.match(peers[0], /^(::ffff:)?127\.0\.0\.1:\d+$/);
    assert.match(peers[1], /^::1:\d+$/);
    assert.deepEqual(peers.map((peer) => clientKey(grpcPeerAddress(peer))), ['127.0.0.1', '::/64']);
  });
});

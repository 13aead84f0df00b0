// Anyone may call DiscoverPlugins, GetPlugin and server reflection without a token: their
// requests are held to a few KiB, refused past that before the server holds them, while
// RegisterPlugin (admitted on its token first) still takes a plugin of up to the door's largest
// message, and one message only: a further one on its stream would be read outside the budget
// of plugin messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { READ_CALL_MESSAGE_BYTES } from '../../src/gateway/doors/plugins/receive-limits';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { mintToken } from './helpers/tokens';
import { pluginRegistryService } from './helpers/plugin-client';

const REFLECTION_PATH = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
const ONE_MIB = 1024 * 1024;

/** A ServerReflectionRequest by hand: field 1 (host) and field 7 (list_services), both strings. */
function reflectionRequest(host: string): Buffer {
  const hostBytes = Buffer.from(host);
  const length: number[] = [];
  for (let n = hostBytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), hostBytes, Buffer.from([0x3a, 0x00])]);
}

describe('the size of anonymous gRPC requests', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: grpc.Client;
  let service: grpc.ServiceClientConstructor;
  let publish: string;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true }, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    // The default largest message (64 MiB), as `hcr gateway` serves it.
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    service = pluginRegistryService();
    client = new service(registry.address, grpc.credentials.createInsecure());
    publish = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  function unary(name: string, request: unknown, metadata = new grpc.Metadata()): Promise<unknown> {
    const method = service.service[name] as grpc.MethodDefinition<unknown, unknown>;
    return new Promise((resolve, reject) => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata, (error, value) => (error ? reject(error) : resolve(value))));
  }

  function reflect(request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = client.makeBidiStreamRequest(REFLECTION_PATH, (b: Buffer) => b, (b: Buffer) => b);
      stream.on('data', (answer: Buffer) => {
        resolve(answer);
        stream.cancel();
      });
      stream.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? undefined : reject(error)));
      stream.write(request);
      stream.end();
    });
  }

  const tooLarge = (method: string) => (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, new RegExp(`${method} requests are at most ${READ_CALL_MESSAGE_BYTES} bytes, and this one is \\d+: only RegisterPlugin carries a plugin's bytes`));
    return true;
  };

  test('DiscoverPlugins and GetPlugin refuse a request of a megabyte', async () => {
    await assert.rejects(unary('DiscoverPlugins', { name: 'a'.repeat(ONE_MIB) }), tooLarge('DiscoverPlugins'));
    await assert.rejects(unary('GetPlugin', { name: 'sensor', version: '1'.repeat(ONE_MIB) }), tooLarge('GetPlugin'));
  });

  test('server reflection refuses a request of a megabyte, and still answers a small one', async () => {
    await assert.rejects(reflect(reflectionRequest('h'.repeat(ONE_MIB))), tooLarge('ServerReflectionInfo'));
    const services = await reflect(reflectionRequest(''));
    assert.ok(services.includes(Buffer.from('pb.PluginRegistry')), services.toString('latin1'));
  });

  test('RegisterPlugin still takes a plugin far larger than a read request', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${publish}`);
    const plugin = `data:application/octet-stream;base64,${randomBytes(256 * 1024).toString('base64')}`;
    const registered = (await unary('RegisterPlugin', { name: 'large-enough', version: '1.0.0', plugin }, metadata)) as { message: string };
    assert.equal(registered.message, 'Plugin registered successfully');
  });

  test('RegisterPlugin reads one message: a further one on its stream is refused at its length', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${publish}`);
    const method = service.service.RegisterPlugin as grpc.MethodDefinition<unknown, unknown>;
    const answer = new Promise((resolve, reject) => {
      const stream = client.makeClientStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, metadata, (error, value) => (error ? reject(error) : resolve(value)));
      stream.write({ name: 'two-messages', version: '1.0.0', plugin: 'data:application/octet-stream;base64,AAAA' });
      stream.write({ name: 'two-messages', version: '1.0.1', plugin: `data:application/octet-stream;base64,${randomBytes(512 * 1024).toString('base64')}` });
      stream.end();
    });
    await assert.rejects(answer, (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[error.code]}: ${error.details}`);
      assert.match(error.details, /RegisterPlugin takes one message, and a further one was sent on the call: send each plugin in a call of its own/);
      return true;
    });
  });
});

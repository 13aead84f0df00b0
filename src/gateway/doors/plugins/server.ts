// The plugin registry's gRPC server (service pb.PluginRegistry from spacecore.proto) on a port of
// its own, default 50051 as the original, with server reflection (v1 and v1alpha) so that generic
// gRPC tools can list and call it. It serves the gateway's context: the same push path, index and
// tokens as the HTTP doors.
import { join } from 'node:path';
import { type GrpcObject, loadPackageDefinition, Server, ServerCredentials, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { GatewayContext } from '../../context';
import { admitPluginListings } from './listing-admission';
import { DEFAULT_PLUGIN_MESSAGE_BUDGET_FACTOR, MessageBudget } from './message-budget';
import { DEFAULT_BUDGET_WAIT_MS, defaultArrivalMs } from './message-memory';
import { pluginRegistryHandlers, type PluginRegistryOptions } from './plugins';
import { limitCallMessages, READ_CALL_MESSAGE_BYTES } from './receive-limits';
import { admitPluginUploads } from './upload-admission';

export const PLUGIN_REGISTRY_PROTO = join(__dirname, 'spacecore.proto');
export const DEFAULT_PLUGIN_REGISTRY_PORT = 50051;
/** Calls one connection may have open at once (HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS): clients have a few, each call holds memory. */
const MAX_CALLS_PER_CONNECTION = 100;

export interface StartPluginRegistryOptions extends PluginRegistryOptions {
  readonly context: GatewayContext;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 50051; 0 picks a free port. */
  readonly port?: number;
  /** The largest request accepted (a plugin sent as a data URL); default 64 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * The most bytes of RegisterPlugin messages held in memory at once, over every publisher
   * (message-budget.ts); default four of the largest messages.
   */
  readonly messageBudgetBytes?: number;
  /** How long an admitted RegisterPlugin's message may take to arrive; default as the largest message at 512 KiB/s, 30 s at least. */
  readonly messageArrivalMs?: number;
  /** How long a RegisterPlugin call waits for room in that budget before it is refused; default 5 s. */
  readonly messageBudgetWaitMs?: number;
}

export interface RunningPluginRegistry {
  /** host:port, as gRPC clients dial it. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export function loadPluginRegistryDefinition() {
  return loadSync(PLUGIN_REGISTRY_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
}

export async function startPluginRegistry(options: StartPluginRegistryOptions): Promise<RunningPluginRegistry> {
  const definition = loadPluginRegistryDefinition();
  const pb = (loadPackageDefinition(definition) as GrpcObject).pb as GrpcObject;
  const max = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const budget = new MessageBudget(Math.max(options.messageBudgetBytes ?? DEFAULT_PLUGIN_MESSAGE_BUDGET_FACTOR * max, max));
  // Every call is held to the small limit of the anonymous read calls, RegisterPlugin alone to
  // `max` (receive-limits.ts, first so that it reaches the call's own limits). DiscoverPlugins
  // counts against the listing limits the HTTP doors' listings share (listing-admission.ts).
  const server = new Server({
    'grpc.max_receive_message_length': Math.min(READ_CALL_MESSAGE_BYTES, max),
    'grpc.max_send_message_length': max,
    'grpc.max_concurrent_streams': MAX_CALLS_PER_CONNECTION,
    interceptors: [
      limitCallMessages({ registerPluginBytes: max, log: options.context.log }),
      admitPluginUploads(options.context, { budget, maxMessageBytes: max, arrivalMs: options.messageArrivalMs ?? defaultArrivalMs(max), waitMs: options.messageBudgetWaitMs ?? DEFAULT_BUDGET_WAIT_MS }),
      admitPluginListings(options.context),
    ],
  });
  server.addService((pb.PluginRegistry as ServiceClientConstructor).service, pluginRegistryHandlers(options.context, options));
  new ReflectionService(definition).addToServer(server);
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port ?? DEFAULT_PLUGIN_REGISTRY_PORT}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

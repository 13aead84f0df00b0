// The plugin door's gRPC service as a client sees it: loaded from the door's own proto, as
// Spacecore's clients load theirs (field names kept, defaults filled in, oneofs as fields).
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PLUGIN_REGISTRY_PROTO } from '../../../src/gateway/doors/plugins/server';

/** `pb.PluginRegistry` as a grpc-js client class. */
export function pluginRegistryService(): grpc.ServiceClientConstructor {
  const pb = grpc.loadPackageDefinition(loadSync(PLUGIN_REGISTRY_PROTO, { keepCase: true, defaults: true, oneofs: true })).pb as grpc.GrpcObject;
  return pb.PluginRegistry as grpc.ServiceClientConstructor;
}

/** A plaintext client of the plugin registry at `address`, typed as the test calls it. */
export function pluginRegistryClient<C = grpc.Client & Record<string, Function>>(address: string): C {
  const Service = pluginRegistryService();
  return new Service(address, grpc.credentials.createInsecure()) as unknown as C;
}

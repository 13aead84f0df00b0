// The plugin door's gRPC service as a client sees it: loaded from the door's own proto, as
// Spacecore's clients load theirs (field names kept, defaults filled in, oneofs as fields); and a
// plugin pushed the way any OCI client would push one.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PLUGIN_REGISTRY_PROTO } from '../../../src/gateway/doors/plugins/server';
import { blobOf, OCI_MANIFEST, pushBlob, pushManifest } from '../../gateway/helpers/oci-client';

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

/**
 * A plugin pushed over the OCI API, as oras would push one: an empty config and one file titled
 * `title`, tagged `version` in `repository`. Answers the manifest push (201 when recorded).
 */
export async function pushPluginOverOci(gatewayUrl: string, repository: string, version: string, title: string, bytes: Buffer): Promise<Response> {
  const config = blobOf('{}');
  const file = blobOf(bytes);
  for (const blob of [config, file]) {
    const pushed = await pushBlob(gatewayUrl, repository, blob);
    if (pushed.status !== 201) throw new Error(`pushing a blob of ${repository} answered ${pushed.status}: ${await pushed.text()}`);
  }
  const manifest = blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.hcr.plugin.v1',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/octet-stream', digest: file.digest, size: file.size, annotations: { 'org.opencontainers.image.title': title } }],
  }));
  return pushManifest(gatewayUrl, repository, version, manifest);
}

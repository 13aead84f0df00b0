// Artifacts for the end-to-end test and the GraphQL examples: //Ferdie's space `tools`, with
// bytes in a real IPFS store and records made on chain the way the gateway's push makes them
// (digest info for every blob and child manifest, then the manifest under its tag). Fixed bytes,
// so digests are the same in every run.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { BlobStore } from '../../../src/ipfs';
import { type Blob, blobOf, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from '../../gateway/helpers/oci-client';
import { type ArtifactParts, makeArtifact } from './artifacts';
import { submit } from './submit';

export const PLUGIN_TYPE = 'application/vnd.example.plugin.v1';
export const FIRMWARE_TYPE = 'application/vnd.example.firmware.v1';

export interface PublishedArtifacts {
  spaceId: string;
  /** The auth plugin's 1.0.0 as first published, and as it was moved to. */
  firstAuth: ArtifactParts;
  movedAuth: ArtifactParts;
  index: Blob;
  lastBlock: string;
}

const plugin = (version: string, extra = '') =>
  makeArtifact(PLUGIN_TYPE, [{ title: `auth-${version}.so`, bytes: `auth plugin ${version}${extra}` }, { title: 'README.md', bytes: `# auth ${version}\n`, mediaType: 'text/markdown' }], {
    'org.opencontainers.image.description': 'Authentication plugin',
    'org.opencontainers.image.vendor': 'tools',
    'com.example.tier': version.startsWith('2') ? 'pro' : 'free',
  });

export async function publishArtifacts(api: ApiPromise, store: BlobStore, ferdie: KeyringPair): Promise<PublishedArtifacts> {
  const cr = api.tx.containerRegistry;
  const created = await submit(cr.createSpace('tools'), ferdie);
  const spaceId = created.events.find(({ event }) => event.method === 'SpaceCreated')!.event.data[0].toString();
  const cidOf = async (blob: Blob) => (await store.put([blob.bytes])).cid;
  const publish = async (image: string, tag: string, manifest: Blob, blobs: Blob[], children: Blob[] = []) => {
    const calls = [];
    for (const blob of blobs) calls.push(cr.storeDigestInfo('tools', blob.digest, 'File', await cidOf(blob)));
    for (const child of children) calls.push(cr.storeDigestInfo('tools', child.digest, 'Json', await cidOf(child)));
    calls.push(cr.addManifestHeadDigestAndManifestJsonCid('tools', image, tag, manifest.digest, await cidOf(manifest)));
    return submit(api.tx.utility.batchAll(calls), ferdie);
  };
  const auth = (parts: ArtifactParts, tag: string) => publish('plugins/auth', tag, parts.manifest, [parts.config, ...parts.files]);
  const firstAuth = plugin('1.0.0');
  await auth(firstAuth, '1.0.0');
  await auth(plugin('1.1.0'), '1.1.0');
  await auth(plugin('2.0.0-rc.1'), '2.0.0-rc.1');
  // 1.0.0 published again with other bytes: a moved version.
  const movedAuth = plugin('1.0.0', ', rebuilt');
  await auth(movedAuth, '1.0.0');
  const firmware = makeArtifact(FIRMWARE_TYPE, [{ title: 'board-a.bin', bytes: 'firmware for board a' }], { 'com.example.board': 'a' });
  await publish('firmware/board-a', '3.0.0', firmware.manifest, [firmware.config, ...firmware.files]);
  // A container image for two platforms: an index over two image manifests.
  const images = ['amd64', 'arm64'].map((architecture) => {
    const layer = blobOf(`cli binary for ${architecture}`);
    const config = blobOf(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
    const manifest = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size }, layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }] }));
    return { architecture, layer, config, manifest };
  });
  const index = blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((i) => ({ mediaType: OCI_MANIFEST, digest: i.manifest.digest, size: i.manifest.size, platform: { os: 'linux', architecture: i.architecture } })),
  }));
  const last = await publish('cli', '1.0', index, images.flatMap((i) => [i.config, i.layer]), images.map((i) => i.manifest));
  return { spaceId, firstAuth, movedAuth, index, lastBlock: last.blockHash };
}

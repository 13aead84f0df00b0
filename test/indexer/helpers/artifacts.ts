// Publishing artifacts the way the issue describes them, through the gateway's push path: one
// OCI manifest per version, `artifactType` naming the kind, each file a layer with its title, the
// labels as annotations and the empty config; and multi-platform images (an index over images).
import { randomBytes } from 'node:crypto';
import { type Blob, blobOf, type ImageParts, makeImage, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, pushManifest } from '../../gateway/helpers/oci-client';

export const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';
export const TITLE = 'org.opencontainers.image.title';

export interface ArtifactFile {
  readonly title: string;
  readonly bytes: Buffer | string;
  readonly mediaType?: string;
}

export interface ArtifactParts {
  readonly config: Blob;
  readonly files: Blob[];
  readonly manifest: Blob;
}

export function makeArtifact(artifactType: string, files: ArtifactFile[], annotations: Record<string, string> = {}): ArtifactParts {
  const config = blobOf('{}');
  const blobs = files.map((file) => blobOf(file.bytes));
  const manifest = blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: EMPTY_CONFIG, digest: config.digest, size: config.size },
    layers: files.map((file, i) => ({ mediaType: file.mediaType ?? 'application/octet-stream', digest: blobs[i].digest, size: blobs[i].size, annotations: { [TITLE]: file.title } })),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  }));
  return { config, files: blobs, manifest };
}

/** Pushes the config, the files and the manifest under `reference`; throws unless all succeeded. */
export async function pushArtifact(url: string, name: string, reference: string, artifact: ArtifactParts): Promise<void> {
  for (const blob of [artifact.config, ...artifact.files]) {
    const response = await pushBlob(url, name, blob);
    if (response.status !== 201) throw new Error(`blob push answered ${response.status}: ${await response.text()}`);
  }
  const response = await pushManifest(url, name, reference, artifact.manifest);
  if (response.status !== 201) throw new Error(`manifest push answered ${response.status}: ${await response.text()}`);
}

export interface MultiPlatformImage {
  readonly images: ImageParts[];
  readonly index: Blob;
}

/** One image per platform (`os/arch[/variant]`), each pushed by digest, then the index under `tag`. */
export async function pushMultiPlatform(url: string, name: string, tag: string, platforms: string[]): Promise<MultiPlatformImage> {
  const images = platforms.map(() => makeImage([blobOf(randomBytes(300 + Math.floor(Math.random() * 200)))]));
  for (const image of images) await pushImage(url, name, image.manifest.digest, image);
  const index = blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((image, i) => {
      const [os, architecture, variant] = platforms[i].split('/');
      return { mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size, platform: { os, architecture, ...(variant ? { variant } : {}) } };
    }),
  }));
  const response = await pushManifest(url, name, tag, index, OCI_INDEX);
  if (response.status !== 201) throw new Error(`index push answered ${response.status}: ${await response.text()}`);
  return { images, index };
}

/** What an image's config and layers add up to, as the index should report it. */
export const imageTotal = (image: ImageParts): number => image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);

export const artifactTotal = (artifact: ArtifactParts): number => artifact.config.size + artifact.files.reduce((sum, file) => sum + file.size, 0);

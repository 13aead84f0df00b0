// Manifest media types the gateway stores and serves.
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export type ManifestKind = 'image' | 'index';

export const MANIFEST_KINDS: Readonly<Record<string, ManifestKind>> = {
  [MEDIA_TYPES.ociManifest]: 'image',
  [MEDIA_TYPES.dockerManifest]: 'image',
  [MEDIA_TYPES.ociIndex]: 'index',
  [MEDIA_TYPES.dockerManifestList]: 'index',
};

/** Layer types that live outside the registry (Windows base layers): never required to be pushed. */
export const FOREIGN_LAYER_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/** The media type without parameters, lowercased (`application/json; charset=utf-8` → `application/json`). */
export function bareMediaType(value: string | undefined): string | undefined {
  const bare = value?.split(';')[0]?.trim().toLowerCase();
  return bare ? bare : undefined;
}

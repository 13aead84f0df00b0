// How an artifact version looks as an OCI artifact manifest: `artifactType` names the kind, each
// file is a layer titled with `org.opencontainers.image.title`, and labels, a description and
// keywords are annotations. The config is OCI's empty descriptor, as the image spec (1.1)
// recommends for artifacts without one.
import { MEDIA_TYPES } from '../oci/media-types';

/** The kinds the front doors publish, by short name (`hcr artifact push --kind firmware`). */
export const ARTIFACT_KINDS = {
  firmware: 'application/vnd.hcr.firmware.v1',
  plugin: 'application/vnd.hcr.plugin.v1',
  package: 'application/vnd.hcr.package.v1',
} as const;

export type KindName = keyof typeof ARTIFACT_KINDS;

export const ANNOTATIONS = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
  /** Comma-separated keywords (the package registry's tags). */
  keywords: 'io.hippius.artifact.keywords',
} as const;

export const EMPTY_CONFIG = { mediaType: MEDIA_TYPES.ociEmpty, bytes: Buffer.from('{}') } as const;

/** A kind's artifactType: a short name (`firmware`) or any media type (`application/vnd.acme.model.v1`). */
export function artifactTypeOf(kind: string): string {
  if (kind in ARTIFACT_KINDS) return ARTIFACT_KINDS[kind as KindName];
  if (/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i.test(kind)) return kind;
  throw new Error(`kind ${JSON.stringify(kind)} is neither ${Object.keys(ARTIFACT_KINDS).join(', ')} nor a media type such as application/vnd.acme.model.v1`);
}

/** The short name of an artifactType when it is one of ours, else the artifactType itself. */
export function kindNameOf(artifactType: string): string {
  return (Object.entries(ARTIFACT_KINDS).find(([, type]) => type === artifactType)?.[0]) ?? artifactType;
}

/**
 * Labels are the annotations people set: everything but the OCI keys (`org.opencontainers.*`)
 * and this registry's own (`io.hippius.*`), which are shown as fields of their own.
 */
export function labelsOf(annotations: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => !key.startsWith('org.opencontainers.') && !key.startsWith('io.hippius.')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function keywordsOf(annotations: Readonly<Record<string, string>>): string[] {
  return (annotations[ANNOTATIONS.keywords] ?? '').split(',').map((k) => k.trim()).filter(Boolean);
}

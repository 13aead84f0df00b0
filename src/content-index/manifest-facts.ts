// What the index keeps of a manifest's verified bytes: media type, kind, artifactType,
// annotations, layers (files, with their titles), sizes, and an index's children and platforms.
// Validation is the gateway's own (src/gateway/oci/manifest.ts), so the index calls a manifest
// exactly what the gateway would serve as one; the few fields it drops (an index's platforms, a
// manifest's own artifactType) are read here from the same JSON.
import { inferMediaType, parseManifest, parseManifestJson } from '../gateway/oci/manifest';
import type { ManifestKind } from '../gateway/oci/media-types';

export const TITLE_ANNOTATION = 'org.opencontainers.image.title';

/** Config media types of container images: a manifest with one of these (and no artifactType) is an image. */
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);
const EMPTY_CONFIG_TYPE = 'application/vnd.oci.empty.v1+json';

/** Where buildx lists attestations in an index: they are no platform of the image. */
const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

export interface ContentFile {
  title: string | null;
  mediaType: string;
  digest: string;
  size: string;
  annotations: Record<string, string> | null;
}

export interface ContentChild {
  digest: string;
  mediaType: string;
  size: string;
  platform: string | null;
  artifactType: string | null;
}

export interface ManifestFacts {
  mediaType: string;
  kind: ManifestKind;
  artifactType: string | null;
  configMediaType: string | null;
  configDigest: string | null;
  size: number;
  /** Config plus layers for an image manifest; null for an index (summed over its children later). */
  totalSize: bigint | null;
  layerCount: number | null;
  annotations: Record<string, string> | null;
  files: ContentFile[] | null;
  children: ContentChild[] | null;
  platforms: string[] | null;
  subject: string | null;
}

export class NotAManifestError extends Error {
  override readonly name = 'NotAManifestError';
}

type Json = Record<string, unknown>;

/** The facts of verified bytes, or NotAManifestError saying why they are no manifest. */
export function manifestFacts(bytes: Uint8Array): ManifestFacts {
  let body: Json;
  let parsed: ReturnType<typeof parseManifest>;
  try {
    body = parseManifestJson(bytes);
    parsed = parseManifest(body, inferMediaType(body));
  } catch (error) {
    throw new NotAManifestError(`not a manifest: ${(error as Error).message}`);
  }
  const explicitType = typeof body.artifactType === 'string' && body.artifactType !== '' ? body.artifactType : null;
  const common = { mediaType: parsed.mediaType, kind: parsed.kind, size: bytes.length, annotations: nonEmpty(parsed.annotations), subject: parsed.subject?.digest ?? null };
  if (parsed.kind === 'index') {
    const entries = Array.isArray(body.manifests) ? (body.manifests as unknown[]) : [];
    const children = parsed.children.map((child, i): ContentChild => ({
      digest: child.digest,
      mediaType: child.mediaType,
      size: String(child.size),
      platform: platformOf(entries[i]),
      artifactType: child.artifactType ?? null,
    }));
    const platforms = [...new Set(children.filter((child, i) => child.platform && !isAttestation(entries[i])).map((child) => child.platform!))];
    return { ...common, artifactType: explicitType, configMediaType: null, configDigest: null, totalSize: null, layerCount: null, files: null, children, platforms };
  }
  const config = body.config as { mediaType: string; digest: string; size: number };
  const layers = Array.isArray(body.layers) ? (body.layers as Json[]) : [];
  const files = layers.map((layer): ContentFile => {
    const annotations = nonEmpty(layer.annotations as Record<string, string> | undefined);
    return { title: annotations?.[TITLE_ANNOTATION] ?? null, mediaType: String(layer.mediaType), digest: String(layer.digest), size: String(layer.size), annotations };
  });
  const totalSize = layers.reduce((sum, layer) => sum + BigInt(layer.size as number), BigInt(config.size));
  return {
    ...common,
    artifactType: explicitType ?? (IMAGE_CONFIG_TYPES.has(config.mediaType) || config.mediaType === EMPTY_CONFIG_TYPE ? null : config.mediaType),
    configMediaType: config.mediaType,
    configDigest: config.digest,
    totalSize,
    layerCount: layers.length,
    files,
    children: null,
    platforms: null,
  };
}

/** `os/architecture[/variant]` of an index entry's platform, or null without one. */
function platformOf(entry: unknown): string | null {
  const platform = (entry as { platform?: unknown } | undefined)?.platform as Json | undefined;
  if (!platform || typeof platform.os !== 'string' || typeof platform.architecture !== 'string') return null;
  const parts = [platform.os, platform.architecture];
  if (typeof platform.variant === 'string' && platform.variant !== '') parts.push(platform.variant);
  return parts.join('/');
}

function isAttestation(entry: unknown): boolean {
  const annotations = (entry as { annotations?: unknown } | undefined)?.annotations as Json | undefined;
  return platformOf(entry) === 'unknown/unknown' || (annotations !== undefined && REFERENCE_TYPE_ANNOTATION in annotations);
}

function nonEmpty(annotations: Record<string, string> | undefined): Record<string, string> | null {
  return annotations && Object.keys(annotations).length > 0 ? annotations : null;
}

// Manifest validation on push and the facts the gateway needs from a manifest: its media type,
// what it references (blobs, child manifests, subject) and the fields the referrers API lists.
import { OciError } from '../errors/oci-error';
import { bareMediaType, FOREIGN_LAYER_TYPES, MANIFEST_KINDS, type ManifestKind, MEDIA_TYPES } from './media-types';
import { isDigest, isSha256Digest } from './reference';

/** The largest manifest a gateway takes by default (a push, a pull, a bundle's manifest). */
export const DEFAULT_MANIFEST_LIMIT_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly urls?: string[];
}

export interface ParsedManifest {
  readonly mediaType: string;
  readonly kind: ManifestKind;
  /** Blobs that must be in the registry: the config and every distributable layer. */
  readonly blobs: readonly Descriptor[];
  /** Child manifests of an index or manifest list. */
  readonly children: readonly Descriptor[];
  readonly subject?: Descriptor;
  /** `artifactType`, else the config's media type for image manifests (what the referrers API reports). */
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
}

type Json = Record<string, unknown>;

const invalid = (message: string, detail?: unknown) => new OciError('MANIFEST_INVALID', message, { detail });

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw invalid(`${where}.annotations must be an object of strings`);
  return value as Record<string, string>;
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object with mediaType, digest and size`);
  const { mediaType, digest, size, artifactType, urls } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType is missing`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalid(`${where}.digest ${JSON.stringify(digest)} is not a digest (sha256:<64 hex digits>)`);
  if (!isSha256Digest(digest)) throw invalid(`${where}.digest ${JSON.stringify(digest)} is not supported: this registry stores sha256 digests only`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative whole number of bytes`);
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid(`${where}.artifactType must be a string`);
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))) throw invalid(`${where}.urls must be a list of strings`);
  return { mediaType, digest, size, artifactType, annotations: stringMap(value.annotations, where), urls: urls as string[] | undefined };
}

function descriptorList(value: unknown, where: string): Descriptor[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${where} must be a list of descriptors`);
  return value.map((item, i) => parseDescriptor(item, `${where}[${i}]`));
}

/**
 * The media type of a pushed manifest: the body's `mediaType`, else the request's Content-Type
 * (umoci writes manifests without `mediaType`). When both are given they must agree.
 */
export function manifestMediaType(body: Json, contentType: string | undefined): string {
  if (body.mediaType !== undefined && typeof body.mediaType !== 'string') {
    throw invalid(`the manifest's "mediaType" must be a string, not ${JSON.stringify(body.mediaType)}: name the manifest's type, or leave the field out`);
  }
  const declared = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const header = bareMediaType(contentType);
  const usableHeader = header && MANIFEST_KINDS[header] ? header : undefined;
  if (declared && usableHeader && declared !== usableHeader) {
    throw invalid(`the manifest's mediaType ${declared} does not match the Content-Type ${usableHeader}; send the Content-Type of the manifest's own type`);
  }
  // Docker's schema 2 requires the field. Without it, only this request's header would say the
  // manifest is Docker's: a replica, or this gateway after a restart, reads the bytes as OCI.
  if (!declared && (usableHeader === MEDIA_TYPES.dockerManifest || usableHeader === MEDIA_TYPES.dockerManifestList)) {
    throw invalid(`a Docker schema 2 manifest names its own type, and this one has no "mediaType": add "mediaType": "${usableHeader}" to it (the bytes, and so the digest, change), or push it as OCI`);
  }
  // Every reader (a replica, this gateway after a restart, the content indexer) takes a manifest
  // without "mediaType" by its shape (inferMediaType): one with a "manifests" list is an index.
  // A push validated as another type than the readers will see would have its references checked
  // as one thing and served as another: an image manifest that also lists "manifests" is checked
  // by its config and layers, then read elsewhere as an index whose children (another space's
  // manifests, say) were never checked to be in the repository, and so become its content.
  if (!declared && usableHeader && usableHeader !== inferMediaType(body)) {
    throw invalid(`the manifest has no "mediaType" and its shape (${Array.isArray(body.manifests) ? 'a "manifests" list' : 'no "manifests" list'}) makes it a ${inferMediaType(body)} to every reader, not the ${usableHeader} its Content-Type says: add "mediaType": "${usableHeader}" to it (the bytes, and so the digest, change), or push it with the Content-Type of its shape`, { contentType: usableHeader, shape: inferMediaType(body) });
  }
  const type = declared ?? usableHeader ?? header ?? inferMediaType(body);
  if (type === MEDIA_TYPES.dockerSchema1 || type === MEDIA_TYPES.dockerSchema1Signed) {
    throw invalid('Docker schema 1 manifests are not supported: push with a current client (they write schema 2 or OCI manifests)');
  }
  if (!MANIFEST_KINDS[type]) {
    throw invalid(`manifest media type ${JSON.stringify(type)} is not supported: use ${Object.keys(MANIFEST_KINDS).join(', ')}`);
  }
  return type;
}

/** For manifests stored without `mediaType` (umoci): an index has `manifests`, an image `config`. */
export function inferMediaType(body: Json): string {
  if (typeof body.mediaType === 'string') return body.mediaType;
  return Array.isArray(body.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}

export function parseManifestJson(bytes: Uint8Array): Json {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw invalid(`the manifest is not valid JSON (${(error as Error).message}); send the manifest's exact bytes`);
  }
  if (!isObject(body)) throw invalid('the manifest must be a JSON object');
  return body;
}

/** Validates a manifest of `mediaType` and returns what it references. */
export function parseManifest(body: Json, mediaType: string): ParsedManifest {
  if (body.schemaVersion !== 2) throw invalid(`schemaVersion must be 2, not ${JSON.stringify(body.schemaVersion)}`);
  const kind = MANIFEST_KINDS[mediaType];
  if (!kind) throw invalid(`manifest media type ${JSON.stringify(mediaType)} is not supported`);
  const subject = body.subject === undefined ? undefined : parseDescriptor(body.subject, 'subject');
  const annotations = stringMap(body.annotations, 'manifest');
  if (body.artifactType !== undefined && typeof body.artifactType !== 'string') throw invalid('artifactType must be a string');
  const artifactType = body.artifactType as string | undefined;
  if (kind === 'index') {
    if (!Array.isArray(body.manifests)) throw invalid('an index must have a "manifests" list');
    const children = descriptorList(body.manifests, 'manifests');
    return { mediaType, kind, blobs: [], children, subject, artifactType, annotations };
  }
  if (body.config === undefined) throw invalid('an image manifest must have a "config" descriptor');
  const config = parseDescriptor(body.config, 'config');
  if (!Array.isArray(body.layers)) throw invalid('an image manifest must have a "layers" list');
  const layers = descriptorList(body.layers, 'layers');
  const distributable = layers.filter((layer) => !FOREIGN_LAYER_TYPES.has(layer.mediaType) && !(layer.urls && layer.urls.length > 0));
  return { mediaType, kind, blobs: [config, ...distributable], children: [], subject, artifactType: artifactType ?? config.mediaType, annotations };
}

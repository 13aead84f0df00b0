// Repository names, tags and digests as they appear in request paths, checked before anything
// touches the chain or the disk (so `..` or a stray `%2F` never reaches a file path).
import { createHash } from 'node:crypto';
import { OciError } from '../errors/oci-error';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})+$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** `<space>/<image>`: the first component is the space's repo_name, the rest the image name. */
export interface RepositoryName {
  readonly full: string;
  readonly repo: string;
  readonly image: string;
}

export function parseName(raw: string): RepositoryName {
  if (raw.length > MAX_NAME_LENGTH || !NAME.test(raw)) {
    const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
    throw new OciError('NAME_INVALID', `repository name ${JSON.stringify(shown)} is not valid: use <space>/<image> in lowercase letters, digits and . _ - separators, for example acme/web`, {
      detail: { name: shown },
    });
  }
  const slash = raw.indexOf('/');
  return { full: raw, repo: raw.slice(0, slash), image: raw.slice(slash + 1) };
}

/** A sha256 digest as a client writes one: the only kind this gateway verifies or keeps files by. */
export function isSha256Digest(value: string): boolean {
  return SHA256.test(value);
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** A digest this gateway can verify: sha256 only (what every client sends). */
export function parseDigest(raw: string, code: 'DIGEST_INVALID' | 'BLOB_UNKNOWN' | 'MANIFEST_UNKNOWN' = 'DIGEST_INVALID'): string {
  if (SHA256.test(raw)) return raw;
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  if (DIGEST.test(raw) && !raw.startsWith('sha256:')) {
    throw new OciError(code === 'DIGEST_INVALID' ? 'DIGEST_INVALID' : code, `digest ${JSON.stringify(shown)} uses an algorithm this registry does not support: use sha256`, { detail: { digest: shown } });
  }
  throw new OciError('DIGEST_INVALID', `digest ${JSON.stringify(shown)} is not valid: write it as sha256: followed by 64 lowercase hex digits`, { detail: { digest: shown } });
}

/** A manifest reference: a tag, or a digest. */
export type ManifestReference = { readonly kind: 'tag'; readonly tag: string } | { readonly kind: 'digest'; readonly digest: string };

export function parseReference(raw: string): ManifestReference {
  if (raw.includes(':')) return { kind: 'digest', digest: parseDigest(raw) };
  if (!TAG.test(raw)) {
    const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
    throw new OciError('MANIFEST_INVALID', `tag ${JSON.stringify(shown)} is not valid: use up to 128 letters, digits, ".", "_" or "-", not starting with "." or "-"`, { status: 400, detail: { tag: shown } });
  }
  return { kind: 'tag', tag: raw };
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Whether `<space>/<name>` is a name a client can address, and one that addresses this very space.
 * The chain takes any bytes as a space name: a stranger's space named `acme/tools` would list its
 * `cli` as `acme/tools/cli`, which is acme's `tools/cli` (its versions, owner and CIDs shown under
 * acme's name, while a download by that name reaches acme's records). Such rows are left out.
 */
export function addressable(space: string | null, name: string | null): boolean {
  if (space === null || name === null) return false;
  try {
    const parsed = parseName(`${space}/${name}`);
    return parsed.repo === space && parsed.image === name;
  } catch (error) {
    if (error instanceof OciError) return false;
    throw error;
  }
}

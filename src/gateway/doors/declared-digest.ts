// A digest a publisher declares for a file: `sha256:<hex>` or the bare hex, checked for form here
// and against the bytes once they arrived.
import { ArtifactError } from '../artifacts/errors';

export function declaredDigest(raw: unknown, field: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const digest = /^[0-9a-f]{64}$/.test(text) ? `sha256:${text}` : text;
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ArtifactError('INVALID_METADATA', `${field} is not a sha256 digest: write 64 hex digits (sha256sum prints them), optionally after "sha256:"`, { field });
  return digest;
}

// The metadata publishers send with an artifact (labels, a description, keywords), checked before
// a byte of the file is stored: each problem names the field and the fix.
import { ANNOTATIONS } from './kinds';
import { ArtifactError } from './errors';

/** The most metadata one version may carry, as sent (JSON text). */
export const MAX_METADATA_BYTES = 16 * 1024;
const MAX_LABELS = 64;
const MAX_KEY = 128;
const MAX_VALUE = 1024;
const MAX_KEYWORDS = 32;
const RESERVED = /^(org\.opencontainers\.|io\.hippius\.)/;

export interface ArtifactMetadata {
  readonly labels: Record<string, string>;
  readonly description?: string;
  readonly keywords: string[];
}

/** Parses a JSON metadata part (the firmware server's and the package registry's `metadata`). */
export function parseMetadataJson(text: string, what = 'metadata'): Record<string, unknown> {
  if (Buffer.byteLength(text) > MAX_METADATA_BYTES) throw new ArtifactError('TOO_LARGE', `${what} is ${Buffer.byteLength(text)} bytes; at most ${MAX_METADATA_BYTES} are accepted: send fewer or shorter labels`, { field: what });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError('INVALID_METADATA', `${what} is not valid JSON (${(error as Error).message}): send an object such as {"name":"base","version":"1.0.0","labels":{"app":"base"}}`, { field: what });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ArtifactError('INVALID_METADATA', `${what} must be a JSON object such as {"name":"base","version":"1.0.0"}`, { field: what });
  return body as Record<string, unknown>;
}

export function checkLabels(raw: unknown, field = 'labels'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ArtifactError('INVALID_METADATA', `${field} must be an object of text values, for example {"app":"base","platform":"esp32"}`, { field });
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_LABELS) throw new ArtifactError('TOO_LARGE', `${entries.length} labels: at most ${MAX_LABELS} are accepted`, { field });
  const labels: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key === '' || key.length > MAX_KEY || /[\x00-\x1f\x7f=,]/.test(key)) throw new ArtifactError('INVALID_METADATA', `label key ${JSON.stringify(key.slice(0, 80))} is not valid: use 1 to ${MAX_KEY} characters without control characters, "=" or ","`, { field });
    // JSON.parse keeps "__proto__" as a key of its own, but assigning it (here, and in any client
    // that copies labels into an object) sets a prototype instead: the label would vanish silently.
    if (key === '__proto__') throw new ArtifactError('INVALID_METADATA', 'label key "__proto__" is not accepted (JavaScript objects cannot hold it as a key): choose another key', { field });
    if (RESERVED.test(key)) throw new ArtifactError('INVALID_METADATA', `label key ${JSON.stringify(key)} is reserved (org.opencontainers.* and io.hippius.* are set by the registry): choose another key`, { field });
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new ArtifactError('INVALID_METADATA', `label ${JSON.stringify(key)} must have a text value, for example "esp32"`, { field });
    const text = String(value);
    if (text.length > MAX_VALUE || /[\x00-\x08\x0b-\x1f\x7f]/.test(text)) throw new ArtifactError('INVALID_METADATA', `label ${JSON.stringify(key)} is longer than ${MAX_VALUE} characters or holds control characters`, { field });
    labels[key] = text;
  }
  return labels;
}

export function checkDescription(raw: unknown, field = 'description'): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ArtifactError('INVALID_METADATA', `${field} must be text`, { field });
  if (raw.length > 4096) throw new ArtifactError('TOO_LARGE', `${field} is ${raw.length} characters; at most 4096 are accepted`, { field });
  return raw;
}

export function checkKeywords(raw: unknown, field = 'keywords'): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) throw new ArtifactError('INVALID_METADATA', `${field} must be a list of words, for example ["iot","sensor"]`, { field });
  const keywords = [...new Set(list.map((k) => k.trim().toLowerCase()).filter(Boolean))];
  if (keywords.length > MAX_KEYWORDS) throw new ArtifactError('TOO_LARGE', `${keywords.length} ${field}: at most ${MAX_KEYWORDS} are accepted`, { field });
  for (const keyword of keywords) {
    if (!/^[a-z0-9][a-z0-9._+-]{0,63}$/.test(keyword)) throw new ArtifactError('INVALID_METADATA', `${field} entry ${JSON.stringify(keyword.slice(0, 80))} is not valid: use up to 64 lowercase letters, digits and . _ + -`, { field });
  }
  return keywords;
}

/** The manifest annotations of a version's metadata. */
export function annotationsOf(metadata: ArtifactMetadata, version: string, now = new Date()): Record<string, string> {
  const annotations: Record<string, string> = { ...metadata.labels, [ANNOTATIONS.created]: now.toISOString(), [ANNOTATIONS.version]: version };
  if (metadata.description) annotations[ANNOTATIONS.description] = metadata.description;
  if (metadata.keywords.length > 0) annotations[ANNOTATIONS.keywords] = metadata.keywords.join(',');
  return annotations;
}

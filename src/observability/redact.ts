// Keeps secrets out of logs: fields whose names say they hold one are replaced, and text is
// scrubbed of what looks like a credential (Authorization values, JWTs, login and API tokens, URL
// passwords, secret URIs and query parameters that carry tokens).
import { hideUrlLogins } from './url-logins';

const SECRET_FIELD = /^(authorization|cookie|set-cookie|password|passwd|pass|secret|token|access_token|refresh_token|id_token|suri|seed|mnemonic|private_?key|api_?key|db_pass)$/i;

const SCRUBS: readonly [RegExp, string][] = [
  // Authorization header values: `Bearer <jwt>`, `Basic <base64>`.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // JWTs (access and refresh tokens) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  // Query and form parameters that carry credentials: the names whose fields are redacted too.
  [/([?&;](?:password|passwd|pass|token|access_token|refresh_token|id_token|secret|suri|seed|mnemonic|private_?key|api_?key)=)[^&\s"]*/gi, '$1[redacted]'],
  // The gateway's login tokens (`hcr1.<message>.<signature>`) and API tokens (`hcrt_<id>_<secret>`)
  // wherever they appear: a client may put one in a query parameter of any name, or a path. An API
  // token's id is public (hcr token ls) and says which token it was; its secret is not.
  [/\bhcr1\.[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_-]*)?/g, '[redacted login token]'],
  [/\b(hcrt_[0-9a-f]{1,16}_)[A-Za-z0-9]+/gi, '$1[redacted]'],
  // Secret URIs: a mnemonic or a hex seed followed by a derivation, or a bare hex seed.
  [/\b0x[0-9a-f]{64}\b/gi, '[redacted seed]'],
  // A mnemonic with a derivation path (`… walk//Alice`), as secret URIs are written.
  [/\b(?:[a-z]+ ){11,23}[a-z]+\/\/[^\s"]*/g, '[redacted secret uri]'],
];

/** Text with credentials replaced by `[redacted]`. */
export function scrub(text: string): string {
  // URL logins (a DB_URL's password, `https://API_KEY@rpc…`) as every message hides them: up to the
  // URL's last `@`, since a password may hold `@` or `/` (url-logins.ts).
  let out = hideUrlLogins(text);
  for (const [pattern, replacement] of SCRUBS) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` fit for a log: secret-named fields replaced, strings scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: scrub(value.message) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_FIELD.test(key) && item !== undefined && item !== null && item !== '' ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

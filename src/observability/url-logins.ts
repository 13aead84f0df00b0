// A URL's login, starred out of text meant for people. A chain, IPFS or GraphQL URL may carry
// one (`wss://API_KEY@rpc…`, `https://user:PASSWORD@ipfs…`), and messages that say which service
// failed quote the URL they were given. Only the login goes, unlike redact.ts's scrub(), which
// also hides anything shaped like a 32-byte hex seed: that would hide the transaction and block
// hashes a chain error names too.

/** `scheme://user:PASSWORD@` keeps the user; `scheme://TOKEN@` (a user part alone is the key) goes whole. */
const URL_LOGINS: readonly [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s:/@"'?#]+@/gi, '$1***@'],
];

/** `text` with every URL's password (or user part standing for a key) replaced by ***. */
export function hideUrlLogins(text: string): string {
  let out = text;
  for (const [pattern, replacement] of URL_LOGINS) out = out.replace(pattern, replacement);
  return out;
}

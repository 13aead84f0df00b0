// A URL's login, starred out of text meant for people. A chain, IPFS or GraphQL URL may carry
// one (`wss://API_KEY@rpc…`, `https://user:PASSWORD@ipfs…`), and messages that say which service
// failed quote the URL they were given. Only the login goes, unlike redact.ts's scrub(), which
// also hides anything shaped like a 32-byte hex seed: that would hide the transaction and block
// hashes a chain error names too.
//
// Patterns that stop at the first `@` or `/` showed the rest of a password holding one
// (`http://u:p@ss@host` kept `ss`), and the text is often a URL that does not parse at all (that
// is why it is quoted in an error). So the login is taken to run up to the LAST `@` of the URL,
// unless what comes before that `@` is plainly a host[:port] followed by a path, query or fragment
// (`http://host/packages/@scope/x`, `http://host/?next=a@b`): a stray `@` hides a little too much
// rather than a secret too little.

const SCHEME = /\b[a-z][a-z0-9+.-]*(?::\/\/|%3A%2F%2F)/gi;
/** Where a URL written in text ends: whitespace, or the start of the next URL (`a,http://…`). */
const URL_BODY = /^(?:(?!\b[a-z][a-z0-9+.-]*(?::\/\/|%3A%2F%2F))\S)*/i;
/** A URL percent-encoded into another's query (`?next=https%3A%2F%2Fu%3Apw%40host`) ends at its `&`. */
const ENCODED_URL_BODY = /^(?:(?![a-z][a-z0-9+.-]*%3A%2F%2F)[^\s&])*/i;
/** A host (name, IPv4 or [IPv6]) with an optional numeric port, as an authority without a login is. */
const PLAIN_HOST = /^(?:\[[0-9a-f:.]*\]|[a-z0-9._~!$&'()*+,;=%-]*)(?::\d*)?$/i;
/** The delimiters a percent-encoded URL writes as escapes. */
const ENCODED_DELIMITERS: Readonly<Record<string, string>> = { '%40': '@', '%3A': ':', '%2F': '/', '%3F': '?', '%23': '#', '%5C': '\\' };

/** `text` with every URL's password (or user part standing for a key) replaced by ***. */
export function hideUrlLogins(text: string): string {
  let out = '';
  let from = 0;
  for (let match = SCHEME.exec(text); match; match = SCHEME.exec(text)) {
    const start = match.index + match[0].length;
    const encoded = match[0].endsWith('%2F') || match[0].endsWith('%2f');
    const body = (encoded ? ENCODED_URL_BODY : URL_BODY).exec(text.slice(start))![0];
    out += text.slice(from, start) + withoutLogin(body, encoded);
    from = start + body.length;
    SCHEME.lastIndex = from;
  }
  SCHEME.lastIndex = 0;
  return out + text.slice(from);
}

/**
 * What follows `scheme://` (or a whole `user:pass@host` written without one), its login starred
 * out: the user name before a `:` is kept, unless it holds an `@` itself (then all of it goes).
 * `encoded`: the URL is percent-encoded, its `@`, `:` and `/` written as %40, %3A and %2F.
 */
export function withoutLogin(body: string, encoded = false): string {
  // One unit a character, or an escaped delimiter as the character it stands for.
  const units = encoded ? body.match(/%(?:40|3A|2F|3F|23|5C)|[^]/gi) ?? [] : [...body];
  const chars = units.map((unit) => (unit.length === 3 ? ENCODED_DELIMITERS[unit.toUpperCase()] : unit));
  const at = chars.lastIndexOf('@');
  if (at <= 0) return body;
  const login = chars.slice(0, at);
  const delimiter = login.findIndex((char) => '/?#\\'.includes(char));
  if (delimiter >= 0 && PLAIN_HOST.test(login.slice(0, delimiter).join(''))) return body;
  const colon = login.indexOf(':');
  const kept = colon >= 0 && !login.slice(0, colon).some((char) => '@/?#\\'.includes(char)) ? units.slice(0, colon + 1).join('') : '';
  return `${kept}***${units.slice(at).join('')}`;
}

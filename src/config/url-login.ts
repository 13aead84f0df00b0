// A service URL may carry a login (`https://user:pass@index.example/graphql`), as operators write
// one for a service behind an authenticating proxy. fetch refuses such a URL, and it must never be
// shown whole: this splits it into the URL to request, the header carrying the login, and the URL
// to name in messages.
export interface UrlLogin {
  /** The URL without user and password. */
  readonly url: string;
  /** `Authorization: Basic …` when the URL carried a login, else nothing. */
  readonly headers: Readonly<Record<string, string>>;
  /** What messages and health answers name: the URL with the password starred out. */
  readonly shown: string;
}

export function splitUrlLogin(raw: string): UrlLogin {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw, headers: {}, shown: raw };
  }
  if (!parsed.username && !parsed.password) return { url: raw, headers: {}, shown: raw };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  const shown = new URL(parsed);
  if (shown.password) shown.password = '***';
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization }, shown: shown.toString() };
}

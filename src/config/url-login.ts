// A service URL may carry a login (`https://user:pass@index.example/graphql`), as operators write
// one for a service behind an authenticating proxy. fetch refuses such a URL, and it must never be
// shown whole: this splits it into the URL to request, the header carrying the login, and the URL
// to name in messages.
import { hideUrlLogins } from '../observability/url-logins';

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
    // A URL that does not parse is named in the error that follows: its login must not be.
    return { url: raw, headers: {}, shown: hideUrlLogins(raw) };
  }
  if (!parsed.username && !parsed.password) return { url: raw, headers: {}, shown: raw };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  const shown = new URL(parsed);
  // A user part alone is an API key (`https://KEY@ipfs.example`): it goes whole.
  if (shown.password) shown.password = '***';
  else shown.username = '***';
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization }, shown: shown.toString() };
}

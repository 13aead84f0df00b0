// How messages name the URLs a setting or flag takes: "an http or https URL", "a ws, wss, http
// or https URL", "a postgres or postgresql URL". The article follows how the first scheme is
// read aloud: letter by letter for http ("an aitch-tee-tee-pee"), ftp or ssh, as a word for
// postgres or file; a fixed "a" wrote "a http".

/** Schemes read letter by letter whose first letter's name starts with a vowel sound. */
const SPELLED_WITH_VOWEL_SOUND = /^(?:h|ftps?$|sftp$|ssh$|s3$|smb$|nfs$|ldaps?$|rtsp$|xmpp$)/i;

/** "an http or https URL" for ['http', 'https']. */
export function schemesUrl(schemes: readonly string[]): string {
  return `${articleFor(schemes[0] ?? '')} ${orList(schemes)} URL`;
}

/** "an" before http, ftp or ssh, "a" before ws or postgres. */
export function articleFor(scheme: string): 'a' | 'an' {
  return /^[aeiou]/i.test(scheme) || SPELLED_WITH_VOWEL_SOUND.test(scheme) ? 'an' : 'a';
}

/** "a, b or c". */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

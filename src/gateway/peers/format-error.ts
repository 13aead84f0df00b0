// What a peer sent could not be read as the format it should be in (HTTP, a CAR): either it said
// something the format cannot, or the connection ended before it was done. Metrics and logs tell
// the two apart (a malformed answer against one cut short).
export class PeerFormatError extends Error {
  /** The stream ended before the format did (a cut connection), rather than saying something it cannot. */
  readonly truncated: boolean;
  constructor(message: string, options: { truncated?: boolean } = {}) {
    super(message);
    this.truncated = options.truncated ?? false;
  }
}

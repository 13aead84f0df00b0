// Typed failures of a BlobStore. Callers branch on the class (the gateway answers 404 for
// BlobNotFoundError, 503 with Retry-After for BlobStoreUnavailableError, 400 for InvalidCidError),
// so every implementation must map its own failures onto these and keep the message readable.

/** Base class: any failure a BlobStore reports on purpose. */
export class BlobStoreError extends Error {
  override readonly name: string = 'BlobStoreError';
}

/** The CID is well formed but the store does not hold (or cannot find) its content. */
export class BlobNotFoundError extends BlobStoreError {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly cid: string, message?: string) {
    super(message ?? `blob ${cid} is not in the IPFS store; add it first (put) or pin it where it is stored`);
  }
}

/** The store or its daemon cannot be reached right now; the same call may succeed later. */
export class BlobStoreUnavailableError extends BlobStoreError {
  override readonly name = 'BlobStoreUnavailableError';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The caller passed something that is not a CID of a UnixFS file. */
export class InvalidCidError extends BlobStoreError {
  override readonly name = 'InvalidCidError';
  constructor(readonly input: string, reason: string) {
    super(`${JSON.stringify(input.length > 120 ? `${input.slice(0, 120)}…` : input)} is not a usable blob CID: ${reason}`);
  }
}

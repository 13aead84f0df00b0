// The OCI distribution error codes this gateway answers with (the spec's list plus the few
// the CNCF distribution registry adds), each with its HTTP status and what it means.
export interface ErrorDescriptor {
  readonly status: number;
  /** The default message when a handler gives none. */
  readonly message: string;
  readonly description: string;
}

export const OCI_ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry', description: 'The blob is neither recorded on chain nor uploaded to this gateway.' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid', description: 'The upload failed and may be retried from the last accepted offset.' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry', description: 'The upload session does not exist, was cancelled or already completed.' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content', description: 'The digest is malformed or does not match the content.' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a blob unknown to registry', description: 'Push every blob and child manifest before the manifest that references it.' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid', description: 'The manifest failed validation.' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry', description: 'No manifest is recorded for this tag or digest.' },
  NAME_INVALID: { status: 400, message: 'invalid repository name', description: 'Names are <space>/<image> in lowercase OCI path components.' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry', description: 'No space or image has this name.' },
  NAME_CONTESTED: { status: 409, message: 'the space name is contested', description: 'A later space with the same name takes the name\'s writes on chain, so chain storage alone cannot tell the owner\'s records from the shadow\'s; the index can.' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length', description: 'The declared length does not match the content, or the content is too large.' },
  UNAUTHORIZED: { status: 401, message: 'authentication required', description: 'Log in with `docker login` and a token from `hcr login`.' },
  DENIED: { status: 403, message: 'requested access to the resource is denied', description: 'The account may not perform this operation.' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported', description: 'The registry does not support this operation.' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests', description: 'Slow down and retry later.' },
  RANGE_INVALID: { status: 416, message: 'invalid content range', description: 'The range is out of order, overlaps what was already received, or lies outside the content.' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested', description: '`n` must be a whole number.' },
  UNAVAILABLE: { status: 503, message: 'service unavailable', description: 'A backend (IPFS or the chain) cannot be reached; retry later.' },
  UNKNOWN: { status: 500, message: 'unknown error', description: 'An unexpected error; the gateway log has the details.' },
} as const satisfies Record<string, ErrorDescriptor>;

export type OciErrorCode = keyof typeof OCI_ERROR_CODES;

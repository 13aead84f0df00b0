// The OpenAPI 3 description of the artifact front doors on the gateway's HTTP port (the firmware
// server's routes, the package registry's and the API tokens'), served at /doors/openapi.json.
// The plugin registry is gRPC: its description is src/gateway/doors/plugins/spacecore.proto.
import express, { type Router } from 'express';

export const DOORS_OPENAPI_PATH = '/doors/openapi.json';

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string', description: 'what is wrong and how to fix it' } } } });
const binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const packageError = (description: string) => json(ref('PackageError'), description);
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'the artifact: <space>/<name> (also @<space>/<name>), or a bare name in the gateway\'s default space; it may hold slashes' };
const version = { name: 'version', in: 'path', required: true, schema: { type: 'string' } };
const moveHeaders = {
  'Hcr-Version-Moved': { schema: { type: 'string', enum: ['true'] }, description: 'present when the version\'s tag was moved to another manifest after it was published' },
  'Hcr-Original-Digest': { schema: { type: 'string' }, description: 'the manifest the version was first published with' },
  'Docker-Content-Digest': { schema: { type: 'string' }, description: 'the sha256 of the bytes sent, checked before they were served' },
};
const bearer = [{ token: [] }];
// Listings and searches are bounded per client (gateway.limits.listings): the answer past the bound.
const tooManyListings = (error: (description: string) => object, only = '') => ({ 429: { ...error(`${only}TOO_MANY_REQUESTS: this client has too many listings and searches in progress, or sent too many a minute (gateway.limits.listings); Retry-After says when to try again`), headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } } });

const firmwareRecord = {
  type: 'object',
  required: ['name', 'version', 'size', 'labels', 'download_url'],
  properties: {
    name: { type: 'string', example: 'base' }, version: { type: 'string', example: '1.0.0' }, size: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string' }, example: { app: 'base' } }, download_url: { type: 'string', example: '/firmware/base/1.0.0' },
    kind: { type: 'string', example: 'firmware' }, digest: { type: 'string' }, manifest_digest: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
    moved: { type: 'boolean' }, original_digest: { type: 'string' },
  },
};

const packageVersion = {
  type: 'object',
  properties: {
    version: { type: 'string' }, kind: { type: 'string' }, file: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string' }, cid: { type: 'string' },
    manifestDigest: { type: 'string' }, manifestCid: { type: 'string' }, publishedAt: { type: 'string', format: 'date-time' }, moved: { type: 'boolean' }, originalDigest: { type: 'string' },
    description: { type: 'string', nullable: true }, keywords: { type: 'array', items: { type: 'string' } }, labels: { type: 'object', additionalProperties: { type: 'string' } }, downloadUrl: { type: 'string' },
  },
};

export function doorsOpenApiDocument(): object {
  return {
    openapi: '3.0.3',
    info: { title: 'Hippius registry: artifact front doors', version: '1', description: 'Firmware, packages and any other kind of versioned file, each version an OCI artifact recorded on chain with its bytes in IPFS. Versions are immutable through these routes. The plugin registry (gRPC, pb.PluginRegistry) listens on its own port; its description is spacecore.proto.' },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'an API token (hcrt_…) from POST /api/tokens or `hcr token create`; a login token as basic auth (<address>:<login token>) works too' } },
      schemas: {
        FirmwareRecord: firmwareRecord,
        PackageVersion: packageVersion,
        PackageError: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: ['INVALID_NAME', 'INVALID_VERSION', 'INVALID_METADATA', 'MISSING_PART', 'TOO_LARGE', 'DIGEST_MISMATCH', 'VERSION_EXISTS', 'NOT_FOUND', 'NO_MATCH', 'UNAUTHORIZED', 'FORBIDDEN', 'READ_ONLY', 'TOO_MANY_REQUESTS', 'UNAVAILABLE', 'INTERNAL', 'STORAGE_FULL'] }, message: { type: 'string' }, field: { type: 'string' } } } } },
        ApiToken: { type: 'object', properties: { id: { type: 'string' }, account: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string', enum: ['read', 'publish', 'admin'] } }, createdAt: { type: 'string' }, expiresAt: { type: 'string', nullable: true }, revokedAt: { type: 'string', nullable: true }, revokedWith: { type: 'string', description: 'the id of the token whose revocation revoked this one' }, revokedWithLogin: { type: 'boolean', description: 'revoked when the login that minted it was revoked' }, createdBy: { type: 'string' }, token: { type: 'string', description: 'the secret, in the answer to POST only' } } },
      },
    },
    paths: {
      '/firmware': {
        post: {
          summary: 'Upload a firmware binary (a new version)', security: bearer,
          requestBody: { required: true, description: 'the metadata part first, then the file part(s): a file sent before the metadata is refused (400) with nothing stored', content: { 'multipart/form-data': { schema: { type: 'object', required: ['metadata', 'firmware'], properties: { metadata: { type: 'string', description: 'JSON: {"name","version" (semver),"labels":{…},"description","sha256"}', example: '{"name":"base","version":"1.0.0","labels":{"app":"base"}}' }, firmware: { type: 'string', format: 'binary' } } } } } },
          responses: { 201: json({ type: 'object', properties: { success: { type: 'boolean' }, name: { type: 'string' }, version: { type: 'string' }, size: { type: 'integer' }, digest: { type: 'string' }, cid: { type: 'string' }, manifest_digest: { type: 'string' }, indexed: { type: 'boolean' } } }, 'published'), 400: text('invalid metadata, a missing part, a sha256 that does not match'), 401: text('no or a bad token'), 403: text('the token or its account may not publish here'), 409: text('the version exists'), 413: text('metadata too large') },
        },
        get: {
          summary: 'List firmware, grouped by name, highest version first',
          parameters: [{ name: 'name', in: 'query', schema: { type: 'string' }, description: 'one artifact (any kind)' }, { name: 'version', in: 'query', schema: { type: 'string' } }, { name: 'label', in: 'query', schema: { type: 'array', maxItems: 16, items: { type: 'string' } }, description: 'key=value or key, all of them' }, { name: 'kind', in: 'query', schema: { type: 'string' }, description: 'firmware (default without name), plugin, package, a media type, or any' }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 }, description: 'versions in this answer; without it, up to 5000' }, { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'versions to skip' }],
          responses: { 200: { ...json({ type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, firmware: { type: 'array', items: ref('FirmwareRecord') } } } }, 'the listing'), headers: { Link: { description: 'rel="next": the next page, when the listing was cut at its bound', schema: { type: 'string' } } } }, ...tooManyListings(text), 503: text('the index does not answer') },
        },
      },
      '/firmware/{name}/{version}': { get: { summary: 'Download a version\'s binary (verified against its digest)', parameters: [name, version], responses: { 200: { ...binary('the binary'), headers: moveHeaders }, 404: text('no such version') } } },
      '/health': { get: { summary: 'Liveness of the firmware routes (readiness: /readyz)', responses: { 200: json({ type: 'object', properties: { status: { type: 'string', example: 'healthy' } } }, 'up') } } },
      '/api/packages/publish': {
        post: {
          summary: 'Publish a package version', security: bearer,
          requestBody: { required: true, description: 'the metadata part first, then the file part(s): a file sent before the metadata is refused (400) with nothing stored', content: { 'multipart/form-data': { schema: { type: 'object', required: ['metadata', 'tarball'], properties: { metadata: { type: 'string', description: 'JSON: {"name","version" (semver),"description","keywords":[…],"labels":{…},"sha256","kind"}' }, tarball: { type: 'string', format: 'binary' } } } } } },
          responses: { 201: json({ type: 'object' }, 'published: name, version, owner, sha256, cid, manifestDigest, manifestCid, downloadUrl, indexed'), 400: packageError('bad input'), 401: packageError('no or a bad token'), 403: packageError('not allowed'), 409: packageError('the version exists'), 413: packageError('too large') },
        },
      },
      '/api/packages': { get: { summary: 'Every package, paged (for mirrors)', parameters: [{ name: 'space', in: 'query', schema: { type: 'string' } }, { name: 'kind', in: 'query', schema: { type: 'string' } }, { name: 'label', in: 'query', schema: { type: 'array', maxItems: 16, items: { type: 'string' } } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 1000 } }, { name: 'offset', in: 'query', schema: { type: 'integer' } }], responses: { 200: json({ type: 'object' }, 'packages with their latest version'), ...tooManyListings(packageError) } } },
      '/api/packages/{name}': { get: { summary: 'A package: description, keywords, owner and every version', parameters: [name], responses: { 200: json({ type: 'object', properties: { name: { type: 'string' }, space: { type: 'string' }, owner: { type: 'string' }, description: { type: 'string', nullable: true }, keywords: { type: 'array', items: { type: 'string' } }, latest: { type: 'string' }, versions: { type: 'array', items: ref('PackageVersion') } } }, 'the package'), 404: packageError('no such package'), ...tooManyListings(packageError) } } },
      '/api/packages/{name}/resolve': { get: { summary: 'The highest version in a semver range', parameters: [name, { name: 'range', in: 'query', schema: { type: 'string', example: '^1.2' } }], responses: { 200: json(ref('PackageVersion'), 'the version'), 400: packageError('not a semver range'), 404: packageError('NO_MATCH: nothing satisfies the range'), ...tooManyListings(packageError) } } },
      '/api/packages/{name}/{version}/download': { get: { summary: 'Download a version (exact, a range, or latest)', parameters: [name, { ...version, description: 'a version, a URL-encoded semver range, or latest' }], responses: { 200: { ...binary('the file'), headers: { ...moveHeaders, 'Hcr-Version': { schema: { type: 'string' }, description: 'the version sent' } } }, 404: packageError('no such version'), ...tooManyListings(packageError, 'for a range or latest only, whose resolution counts as a listing: ') } } },
      '/api/search': { get: { summary: 'Search names and keywords', parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string' } }, { name: 'kind', in: 'query', schema: { type: 'string' } }, { name: 'limit', in: 'query', schema: { type: 'integer' } }], responses: { 200: json({ type: 'object' }, 'matches, names first; `complete: false` with a `note` when the index had more than the 1,000 artifacts each half of a search reads (by name, by keyword)'), ...tooManyListings(packageError) } } },
      '/api/tokens': {
        post: { summary: 'Mint an API token (with a login, or an admin token)', requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, scopes: { type: 'array', items: { type: 'string', enum: ['read', 'publish', 'admin'] } }, expiresInDays: { type: 'integer' } } } } } }, responses: { 201: json(ref('ApiToken'), 'the token, its secret shown this once'), 403: json({ type: 'object' }, 'FRESH_LOGIN_REQUIRED: the token would outlive the login minting it, which was not signed for this request (valid 10 minutes at most, used once)'), 429: json({ type: 'object' }, 'TOO_MANY_REQUESTS: more than 60 mints a minute from this client; Retry-After says when to try again') } },
        get: { summary: 'The account\'s tokens', responses: { 200: json({ type: 'object', properties: { account: { type: 'string' }, tokens: { type: 'array', items: ref('ApiToken') } } }, 'the tokens, without secrets') } },
      },
      '/api/tokens/{id}': { delete: { summary: 'Revoke a token', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: json(ref('ApiToken'), 'revoked'), 403: json({ type: 'object' }, 'another account\'s token'), 404: json({ type: 'object' }, 'no such token') } } },
    },
  };
}

export function doorsOpenApiRoutes(): Router {
  const router = express.Router();
  router.get(DOORS_OPENAPI_PATH, (_req, res) => {
    res.json(doorsOpenApiDocument());
  });
  return router;
}

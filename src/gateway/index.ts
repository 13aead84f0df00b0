// The gateway: OCI distribution API (pull, push, discovery) over the chain's records and IPFS,
// with Docker's token auth. `hcr gateway` and `hcr dev` start it with startGateway.
export { createGatewayApp, DEFAULT_MANIFEST_LIMIT_BYTES, type GatewayApp, type GatewayOptions } from './app';
export { DEFAULT_GATEWAY_PORT, type RunningGateway, startGateway, type StartGatewayOptions } from './server';
export type { AuthOptions } from './auth/auth-options';
export { createLoginToken, DEFAULT_LOGIN_TTL_SECONDS, type LoginClaims, loginMessage, LoginTokenError, loginTokenFromSignature, type LoginTokenProblem, newLoginClaims, verifyLoginToken } from './auth/login-token';
export type { GatewayBlobStore, StoredBlob } from './storage/blob-store';
export type { IndexedRecord, RegistryIndex } from './resolve/registry-index';
export { GraphqlIndex, IndexUnavailableError } from './resolve/graphql-index';
export { OCI_ERROR_CODES, type OciErrorCode } from './errors/codes';
export { OciError } from './errors/oci-error';
export type { SweepResult } from './cleanup';
export { basicCredentials, discoverTokenService } from './auth/token-service';

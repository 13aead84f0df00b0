// Everything a request handler uses, built once per gateway by createGatewayApp.
import type { ArtifactDoors } from './artifacts/artifact-doors';
import type { AccessGuard } from './auth/access-guard';
import type { ApiTokens } from './auth/api-tokens';
import type { LoginFailures } from './auth/login-failures';
import type { LoginLedger } from './auth/login-ledger';
import type { ChainRecorder } from './push/chain-recorder';
import type { PushPolicy } from './push/push-policy';
import type { ChainReader } from './resolve/chain-reader';
import type { RepositoryContents } from './resolve/repository-contents';
import type { Resolver } from './resolve/resolver';
import type { VerifiedContent } from './resolve/verified-content';
import type { BlobCache } from './storage/blob-cache';
import type { GatewayBlobStore } from './storage/blob-store';
import type { LocalBlobs } from './storage/local-blobs';
import type { OwnerRecords } from './storage/owner-records';
import type { UploadSessions } from './storage/upload-sessions';
import type { VerifiedPairs } from './storage/verified-pairs';
import type { UploadAdmission } from '../limits/upload-admission';
import type { ListingAdmission } from '../limits/listing-admission';

/** What this gateway recorded in this process, so lists include it before the index catches up. */
export interface RecentPushes {
  /** `<space>/<image>` → tags. */
  readonly tags: Map<string, Set<string>>;
}

export interface GatewayLimits {
  /** The largest manifest accepted and served, in bytes. */
  readonly manifestBytes: number;
}

export interface GatewayContext {
  readonly chain: ChainReader;
  readonly store: GatewayBlobStore;
  readonly resolver: Resolver;
  readonly content: VerifiedContent;
  /** What belongs to each repository: only that is served under its name. */
  readonly contents: RepositoryContents;
  readonly uploads: UploadSessions;
  readonly local: LocalBlobs;
  readonly cache: BlobCache;
  readonly verified: VerifiedPairs;
  readonly ownerRecords: OwnerRecords;
  readonly policy: PushPolicy;
  readonly recorder?: ChainRecorder;
  readonly access: AccessGuard;
  readonly logins: LoginLedger;
  /** Long-lived API tokens with scopes (read, publish, admin), minted by accounts. */
  readonly apiTokens: ApiTokens;
  /** What the artifact front doors (firmware, packages, plugins) share. */
  readonly artifacts: ArtifactDoors;
  readonly recent: RecentPushes;
  readonly limits: GatewayLimits;
  /** Who may start an upload now: shared by the OCI upload routes and every door. */
  readonly uploadAdmission: UploadAdmission;
  /** Listings and searches at the artifact doors, per client address, every door together (the gRPC one too). */
  readonly listingAdmission: ListingAdmission;
  /** Login tokens with bad signatures per client: a client sending too many is refused before its next is checked. */
  readonly loginFailures?: LoginFailures;
  /** A client's address from its connection's peer and X-Forwarded-For, under the gateway's trust-proxy setting (for doors outside Express). */
  readonly clientAddress: (peerAddress: string, forwardedFor: string | undefined) => string;
  readonly log: (line: string) => void;
}

// The gateway stores bytes through src/ipfs's BlobStore (embedded UnixFS store or Kubo).
export type { BlobStore as GatewayBlobStore, PutResult as StoredBlob } from '../../ipfs';

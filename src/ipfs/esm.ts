// The IPFS libraries are ESM-only. This project is CommonJS and runs under tsx, whose require
// hook turns an ESM file into CommonJS and then fails on dependencies that only export an
// `import` condition (cborg); a dynamic import() goes through Node's ESM loader instead. So every
// IPFS module is loaded here, once, through import().

async function load() {
  const [cid, raw, sha2, dagPb, ipfsUnixfs, heliaUnixfs, fsBlockstore, chunker, layout, base32, digest] = await Promise.all([
    import('multiformats/cid'),
    import('multiformats/codecs/raw'),
    import('multiformats/hashes/sha2'),
    import('@ipld/dag-pb'),
    import('ipfs-unixfs'),
    import('@helia/unixfs'),
    import('blockstore-fs'),
    import('ipfs-unixfs-importer/chunker'),
    import('ipfs-unixfs-importer/layout'),
    import('multiformats/bases/base32'),
    import('multiformats/hashes/digest'),
  ]);
  return {
    CID: cid.CID,
    raw,
    sha256: sha2.sha256,
    dagPb,
    UnixFS: ipfsUnixfs.UnixFS,
    unixfs: heliaUnixfs.unixfs,
    FsBlockstore: fsBlockstore.FsBlockstore,
    fixedSize: chunker.fixedSize,
    balanced: layout.balanced,
    base32upper: base32.base32upper,
    decodeDigest: digest.decode,
  };
}

export type IpfsModules = Awaited<ReturnType<typeof load>>;

let loading: Promise<IpfsModules> | undefined;

export function ipfsModules(): Promise<IpfsModules> {
  loading ??= load();
  return loading;
}

let car: Promise<typeof import('@ipld/car')> | undefined;

/** @ipld/car: reading and writing CAR files (trustless gateway answers, peers, offline bundles). */
export function carModule(): Promise<typeof import('@ipld/car')> {
  car ??= import('@ipld/car');
  return car;
}

let dagCbor: Promise<typeof import('@ipld/dag-cbor')> | undefined;

/** @ipld/dag-cbor: CAR headers. */
export function dagCborModule(): Promise<typeof import('@ipld/dag-cbor')> {
  dagCbor ??= import('@ipld/dag-cbor');
  return dagCbor;
}

let kubo: Promise<typeof import('kubo-rpc-client')> | undefined;

/** kubo-rpc-client, loaded only when a Kubo store is opened. */
export function kuboRpcClient(): Promise<typeof import('kubo-rpc-client')> {
  kubo ??= import('kubo-rpc-client');
  return kubo;
}

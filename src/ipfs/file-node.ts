// One block of a UnixFS file, decoded: a raw leaf, or a dag-pb file node with its links and how
// many bytes of the file lie under each. Both stores read files through this.
import type { CID } from 'multiformats/cid';
import { BlobStoreError, InvalidCidError } from './errors';
import type { IpfsModules } from './esm';

export type FileNode =
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'file';
      readonly block: Uint8Array;
      readonly data?: Uint8Array;
      readonly links: readonly { readonly cid: CID; readonly size: number; readonly tsize: number }[];
      readonly fileSize: number;
    };

/** The block `bytes` of `cid` as a file node; InvalidCidError for UnixFS that is not a file. */
export function decodeFileNode(m: IpfsModules, cid: CID, bytes: Uint8Array): FileNode {
  if (cid.code === m.raw.code) return { kind: 'raw', bytes };
  const pb = m.dagPb.decode(bytes);
  if (!pb.Data) throw new BlobStoreError(`block ${cid} is dag-pb without UnixFS data; it is not a file`);
  const unixfs = m.UnixFS.unmarshal(pb.Data);
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new InvalidCidError(cid.toString(), `it names a UnixFS ${unixfs.type}, not a file`);
  }
  if (pb.Links.length !== unixfs.blockSizes.length) {
    throw new BlobStoreError(`block ${cid} is corrupt: ${pb.Links.length} links but ${unixfs.blockSizes.length} block sizes`);
  }
  return {
    kind: 'file',
    block: bytes,
    data: unixfs.data && unixfs.data.byteLength > 0 ? unixfs.data : undefined,
    links: pb.Links.map((link, i) => ({ cid: link.Hash, size: Number(unixfs.blockSizes[i]), tsize: link.Tsize ?? 0 })),
    fileSize: Number(unixfs.fileSize()),
  };
}

export function fileSize(node: FileNode): number {
  return node.kind === 'raw' ? node.bytes.byteLength : node.fileSize;
}

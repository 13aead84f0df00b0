// The block an export was taken at, from the gateway's `X-HCR-As-Of-Block: <number> <hash>`.
// The header is the gateway's word and is printed: anything but a block number and a 32-byte
// hash (a header may carry bytes 0x80-0xff, which arrive as C1 controls such as U+009B, CSI) is
// not shown as a block.
export interface AsOfBlock {
  readonly number: number;
  readonly hash: string;
}

const AS_OF = /^(\d{1,15}) (0x[0-9a-fA-F]{64})$/;

export function asOfBlockFrom(header: string | null): AsOfBlock | undefined {
  const match = AS_OF.exec(header?.trim() ?? '');
  return match ? { number: Number(match[1]), hash: match[2] } : undefined;
}

// Why a chain connection was refused or cannot be made (connect.ts, genesis-checked-provider.ts).
export type ChainConnectionProblem = 'bad-url' | 'unreachable' | 'not-a-chain' | 'no-registry' | 'wrong-chain';

export class ChainConnectionError extends Error {
  override readonly name = 'ChainConnectionError';

  constructor(readonly url: string, readonly problem: ChainConnectionProblem, message: string) {
    super(message);
  }
}

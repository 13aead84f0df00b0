/** An event whose shape matches no runtime version the typegen'd types know. */
export class UnknownVersionError extends Error {
  constructor(name: string) {
    super(`${name} has a shape this processor does not know; regenerate src/types (npm run typegen) from the chain's metadata.`);
    this.name = 'UnknownVersionError';
  }
}

// --genesis-hash (env CHAIN_GENESIS_HASH, chain.genesisHash): pins the chain the commands that
// connect through connectChain trust. Without it they take whatever chain the node at --chain
// serves; a node named by mistake, or a hostile one, would be signed for and read from.
import { InvalidArgumentError, Option } from 'commander';
import { checkGenesisHash } from '../config/values';

export function genesisHashOption(): Option {
  return new Option('--genesis-hash <hash>', 'refuse a chain node whose genesis (block #0) hash is not this one, 0x and 64 hex digits, before anything is read or signed')
    .env('CHAIN_GENESIS_HASH')
    .argParser(parseGenesisHash);
}

/** An empty value (as compose passes an unset variable) is no pin. */
function parseGenesisHash(value: string): string {
  if (value.trim() === '') return '';
  try {
    return checkGenesisHash(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

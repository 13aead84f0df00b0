// The one SubstrateBatchProcessor: which chain, which blocks, which events and which fields.
import {
  SubstrateBatchProcessor,
  type BlockHeader,
  type DataHandlerContext,
  type SubstrateBatchProcessorFields,
  type Event as _Event,
  type Call as _Call,
  type Extrinsic as _Extrinsic,
} from '@subsquid/substrate-processor';
import { events } from '../types';
import { type BatchLookahead, coalesceProcessorIngest, DEFAULT_MAX_BATCH_BLOCKS } from './batch-coalescing';

export const REGISTRY_EVENTS = [
  events.containerRegistry.spaceCreated.name,
  events.containerRegistry.memberAdded.name,
  events.containerRegistry.manifestDigestUpdated.name,
  events.containerRegistry.imageDigestToCidStored.name,
  events.containerRegistry.digestInfoStored.name,
];

export interface ProcessorOptions {
  /** The node's JSON-RPC endpoint (ws:// or http://). */
  chainRpc: string;
  /** chain.genesisHash: the genesis hash the node's chain must have (refused before anything is indexed). */
  genesisHash?: string;
  /** Requests per second to the node; unlimited when absent. */
  rateLimit?: number;
  /** First block to index (default 0). */
  from?: number;
  /** Last block to index; the processor exits once it is processed and final. */
  to?: number;
  /** How often to poll for a new head when subscriptions are unavailable (ms). */
  headPollIntervalMs?: number;
  /** Prometheus metrics port; a free one is chosen when absent. */
  prometheusPort?: number;
  /**
   * Finalized blocks fetched while a batch is handled are handed over together, up to this many
   * blocks per batch (one transaction each); 0 keeps Subsquid's batches of 10.
   */
  maxBatchBlocks?: number;
}


/** `lookahead` lets the handler take the next finalized batch early (see handler.ts). */
export function createProcessor(options: ProcessorOptions, lookahead?: BatchLookahead) {
  const processor = new SubstrateBatchProcessor()
    .setRpcEndpoint({ url: options.chainRpc, rateLimit: options.rateLimit })
    .setRpcDataIngestionSettings({ headPollInterval: options.headPollIntervalMs })
    .setBlockRange({ from: options.from ?? 0, to: options.to })
    // `call` + `stack` give each event the call that emitted it and its parents: the real
    // origin, and the Proxy.proxy call (if any) whose signer acted for it.
    .addEvent({ name: REGISTRY_EVENTS, extrinsic: true, call: true, stack: true })
    .setFields({
      block: { timestamp: true },
      extrinsic: { hash: true, signature: true },
      call: { name: true, origin: true, args: true },
      event: { name: true, args: true },
    });
  if (options.prometheusPort !== undefined) processor.setPrometheusPort(options.prometheusPort);
  const maxBatchBlocks = options.maxBatchBlocks ?? DEFAULT_MAX_BATCH_BLOCKS;
  if (maxBatchBlocks > 0) coalesceProcessorIngest(processor, maxBatchBlocks, lookahead);
  return processor;
}

export type Fields = SubstrateBatchProcessorFields<ReturnType<typeof createProcessor>>;
export type Block = BlockHeader<Fields>;
export type Event = _Event<Fields>;
export type Call = _Call<Fields>;
export type Extrinsic = _Extrinsic<Fields>;
export type ProcessorContext<Store> = DataHandlerContext<Store, Fields>;

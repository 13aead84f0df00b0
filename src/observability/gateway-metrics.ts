// The gateway's Prometheus metrics (prom-client), each gateway with its own registry so that
// several in one process (tests, replicas) keep their counts apart. Names follow Prometheus'
// conventions: a `hcr_gateway_` prefix, base units (seconds, bytes), `_total` on counters.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets from 1 ms to 2 min: HEADs answer in a millisecond, a large layer takes minutes. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What the metrics show of a live mirror. */
export interface MirrorCounts {
  readonly mirrored: number;
  readonly missing: number;
  /** When the tag missing longest went missing (ms since the epoch). */
  readonly oldestMissingSince?: number;
  readonly lastPassBlock?: number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'hcr_gateway_http_requests_total', help: 'HTTP requests answered, by route group, method and status', labelNames: ['route', 'method', 'status'] as const, registers: [this.registry] });
  readonly requestDuration = new Histogram({ name: 'hcr_gateway_http_request_duration_seconds', help: 'Time from a request\'s arrival to the end of its answer, by route group and method', labelNames: ['route', 'method'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly bytesIn = new Counter({ name: 'hcr_gateway_http_received_bytes_total', help: 'Bytes received from clients (request bodies and the headers after them on the connection), by route group', labelNames: ['route'] as const, registers: [this.registry] });
  readonly bytesOut = new Counter({ name: 'hcr_gateway_http_sent_bytes_total', help: 'Bytes sent to clients (headers and bodies), by route group', labelNames: ['route'] as const, registers: [this.registry] });
  readonly pull = new Histogram({ name: 'hcr_gateway_pull_duration_seconds', help: 'Successful pulls of a manifest or blob (GET), from request to the last byte sent', labelNames: ['kind'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly push = new Histogram({ name: 'hcr_gateway_push_duration_seconds', help: 'Successful push steps: blob upload requests (POST, PATCH, PUT) and manifest PUTs, including the chain record', labelNames: ['kind'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly extrinsics = new Histogram({ name: 'hcr_gateway_extrinsic_duration_seconds', help: 'Time to get a push\'s records into a block (or finalized), by outcome', labelNames: ['outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly extrinsicFailures = new Counter({ name: 'hcr_gateway_extrinsic_failures_total', help: 'Push records the chain refused or that failed to land, by pallet error (`Section.Name`) or failure kind', labelNames: ['error'] as const, registers: [this.registry] });
  readonly ipfs = new Histogram({ name: 'hcr_gateway_ipfs_operation_duration_seconds', help: 'IPFS store operations, by operation and outcome (get: until the content is found)', labelNames: ['operation', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly verificationFailures = new Counter({ name: 'hcr_gateway_verification_failures_total', help: 'Content whose sha256 did not match the digest a chain record gave for its CID (the record was not trusted)', registers: [this.registry] });
  readonly unusableCids = new Counter({ name: 'hcr_gateway_unusable_cids_total', help: 'CIDs a chain record gave for a digest whose content no store here serves as a file (a DAG too deep, a directory): passed over for the digest from then on', registers: [this.registry] });
  readonly cache = new Counter({ name: 'hcr_gateway_blob_cache_requests_total', help: 'Blob downloads answered from the verified blob cache (hit) or from IPFS (miss)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly uploadsOpen = new Gauge({ name: 'hcr_gateway_upload_sessions_open', help: 'Upload sessions started and neither completed nor cancelled (in the data dir)', registers: [this.registry] });
  readonly uploadRequestsInFlight = new Gauge({ name: 'hcr_gateway_upload_requests_in_flight', help: 'Upload requests being received now (blob data, door publishes, gRPC RegisterPlugin)', registers: [this.registry] });
  readonly peerBytes = new Counter({ name: 'hcr_gateway_peer_received_bytes_total', help: 'Bytes of blocks received from each peer (--peer) that matched their CIDs', labelNames: ['peer'] as const, registers: [this.registry] });
  readonly peerFailures = new Counter({ name: 'hcr_gateway_peer_failures_total', help: 'Times a peer was passed over for the next, by why: unreachable, stalled, slow, busy (a 429 or 503 with a short Retry-After: asked again after the others, or waited out when none is left), http_error, not_found, wrong_bytes, cut_short, malformed, out_of_order, too_large, missing_block, other', labelNames: ['peer', 'reason'] as const, registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'hcr_gateway_rate_limited_total', help: 'Requests answered 429, by limit', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly carsCutShort = new Counter({ name: 'hcr_gateway_trustless_cars_cut_short_total', help: 'Trustless-gateway CAR answers ended before their last block because the DAG passed a bound, by bound: blocks (--car-max-blocks) or depth', labelNames: ['bound'] as const, registers: [this.registry] });

  /** The live mirror's status, read at each scrape (watchMirror). */
  #mirror?: () => MirrorCounts;
  #sharedFetchesWatched = false;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hcr_gateway_' });
    // Present from the start at 0, so that a rate over it is defined before the first cut.
    for (const bound of ['blocks', 'depth']) this.carsCutShort.inc({ bound }, 0);
  }

  /**
   * Reports a live mirror's status with the metrics, read at each scrape (only a gateway that
   * mirrors has these gauges; `counts` replaces the one given before).
   */
  watchMirror(counts: () => MirrorCounts): void {
    const first = this.#mirror === undefined;
    this.#mirror = counts;
    if (!first) return;
    const read = () => this.#mirror!();
    const tags = new Gauge({
      name: 'hcr_gateway_mirror_tags',
      help: 'Tags the live mirror (hcr mirror, gateway.mirror) keeps, by state: mirrored (all its content pinned here) or missing',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect: () => {
        const now = read();
        tags.set({ state: 'mirrored' }, now.mirrored);
        tags.set({ state: 'missing' }, now.missing);
      },
    });
    const missingFor = new Gauge({
      name: 'hcr_gateway_mirror_oldest_missing_seconds',
      help: 'How long the tag missing longest from the live mirror has been missing (0 when none is): alert on it',
      registers: [this.registry],
      collect: () => {
        const since = read().oldestMissingSince;
        missingFor.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
      },
    });
    const lastPass = new Gauge({
      name: 'hcr_gateway_mirror_last_pass_block',
      help: 'The finalized block the live mirror\'s last complete pass looked at (0 before the first)',
      registers: [this.registry],
      collect: () => {
        lastPass.set(read().lastPassBlock ?? 0);
      },
    });
  }

  /**
   * Reports what the shared peer fetches of this process hold in memory, read at each scrape:
   * bytes kept for readers behind a fetch's fastest one and for reads yet to join, bounded by
   * the process's bound on all of them together.
   */
  watchSharedFetches(heldBytes: () => number): void {
    if (this.#sharedFetchesWatched) return;
    this.#sharedFetchesWatched = true;
    const held = new Gauge({
      name: 'hcr_gateway_peer_shared_fetch_bytes',
      help: 'Bytes the shared peer fetches of this process hold in memory now, for clients behind the fastest one and pulls yet to join (at most 256 MiB together)',
      registers: [this.registry],
      collect: () => {
        held.set(heldBytes());
      },
    });
  }

  /** The text exposition format, and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

// Hooks the gateway's metrics into objects built by createGatewayApp, from outside them: the
// push's extrinsic (latency, failures by pallet error), a CID whose bytes failed verification
// (another digest, or another size than the manifest gives) or whose content is no file,
// blob cache lookups on downloads, and the number of upload sessions open.
import type { GatewayContext } from '../gateway/context';
import type { GatewayMetrics } from './gateway-metrics';
import { extrinsicErrorLabel, wrapMethod } from './instrument';

export function instrumentGatewayContext(context: GatewayContext, metrics: GatewayMetrics): void {
  if (context.recorder) {
    wrapMethod(context.recorder, 'record', (record) => async (records) => {
      const end = metrics.extrinsics.startTimer();
      try {
        const result = await record(records);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: 'failed' });
        metrics.extrinsicFailures.inc({ error: extrinsicErrorLabel(error) });
        throw error;
      }
    });
  }
  wrapMethod(context.verified, 'markMismatch', (markMismatch) => (digest, cid, why) => {
    // Content no store serves as a file is a stranger's odd record, not bytes that failed their
    // check: counted apart, so that an alert on verification failures means other bytes.
    if (why === 'unusable') metrics.unusableCids.inc();
    else metrics.verificationFailures.inc();
    markMismatch(digest, cid, why);
  });
  wrapMethod(context.content, 'sizeMismatch', (sizeMismatch) => (candidate, size, expected) => {
    metrics.verificationFailures.inc();
    return sizeMismatch(candidate, size, expected);
  });
  // Downloads ask the cache for the blob's file first; without one the bytes stream from IPFS.
  wrapMethod(context.content, 'cachedFile', (cachedFile) => async (blob) => {
    const file = await cachedFile(blob);
    metrics.cache.inc({ result: file ? 'hit' : 'miss' });
    return file;
  });
  const uploads = context.uploads;
  // Read at scrape time from the uploads dir, so sessions of earlier runs count too.
  (metrics.uploadsOpen as unknown as { collect?: () => Promise<void> }).collect = async () => {
    metrics.uploadsOpen.set((await uploads.startedBefore(Number.MAX_SAFE_INTEGER)).length);
  };
}

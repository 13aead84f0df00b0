// Default addresses and locations (DESIGN.md's table); each can be changed by flag and env.
import { resolve } from 'node:path';

export const DEFAULTS = {
  dataDir: './.hcr',
  devnetHost: '127.0.0.1',
  devnetPort: 9944,
  graphqlPort: 4350,
  gatewayPort: 5000,
  ipfsApiPort: 5001,
  /** The processor's Prometheus metrics under `hcr dev` (Subsquid's PROMETHEUS_PORT). */
  processorMetricsPort: 4351,
  finalityLag: 1,
} as const;

/** The data dir from --data-dir, else HCR_DATA_DIR, else ./.hcr. */
export function dataDirFrom(flag: string | undefined): string {
  return resolve(flag ?? process.env.HCR_DATA_DIR ?? DEFAULTS.dataDir);
}

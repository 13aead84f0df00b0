// The operator's settings for what CAR answers may cost: how many one client and all clients
// together have open at once (car-admission.ts), and how many blocks one CAR meets at most
// (car-bounds.ts). Each is a flag, an environment variable and a key of the configuration file,
// as the gateway's other bounds are; a bad value stops the gateway as it starts, naming where it
// came from and what to give instead, rather than leave the trustless gateway without a bound.
import { DEFAULT_CAR_CONCURRENCY, type CarConcurrency } from './car-admission';
import { DEFAULT_CAR_LIMITS, type CarLimits } from './car-bounds';

export interface CarSettings {
  readonly carConcurrency: CarConcurrency;
  readonly carLimits: CarLimits;
}

/** Each setting's flag, environment variable and configuration key, for messages and the CLI. */
export const CAR_SETTINGS = {
  perClient: { flag: '--cars-per-client', env: 'GATEWAY_CARS_PER_CLIENT', key: 'gateway.carsPerClient', default: DEFAULT_CAR_CONCURRENCY.perClient },
  total: { flag: '--cars-total', env: 'GATEWAY_CARS_TOTAL', key: 'gateway.carsTotal', default: DEFAULT_CAR_CONCURRENCY.total },
  maxBlocks: { flag: '--car-max-blocks', env: 'GATEWAY_CAR_MAX_BLOCKS', key: 'gateway.carMaxBlocks', default: DEFAULT_CAR_LIMITS.maxBlocks },
} as const;

/** Why a CAR setting cannot be used; the message names the setting and the fix. */
export class CarSettingError extends Error {}

/**
 * The CAR bounds from the settings' text (a flag's or a variable's value); an absent one keeps its
 * default. Each must be a whole number of at least 1: 0 would refuse every CAR (or cut every one
 * short), which no operator means, and a gateway that wants none can stop serving /ipfs/ at its
 * proxy. A total below the per-client bound is refused too: one client could never reach its own.
 */
export function parseCarSettings(values: { perClient?: string | number; total?: string | number; maxBlocks?: string | number }): CarSettings {
  const perClient = wholeNumber('perClient', values.perClient);
  const total = wholeNumber('total', values.total);
  const maxBlocks = wholeNumber('maxBlocks', values.maxBlocks);
  if (total < perClient) {
    const a = CAR_SETTINGS.perClient;
    const b = CAR_SETTINGS.total;
    throw new CarSettingError(
      `${b.flag} (${b.env}, ${b.key}) is ${total}, below ${a.flag} (${a.env}, ${a.key}) at ${perClient}: the CARs all clients have open at once cannot be fewer than one client may have; raise ${b.env} or lower ${a.env}`,
    );
  }
  return { carConcurrency: { perClient, total }, carLimits: { ...DEFAULT_CAR_LIMITS, maxBlocks } };
}

function wholeNumber(name: keyof typeof CAR_SETTINGS, value: string | number | undefined): number {
  const setting = CAR_SETTINGS[name];
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return setting.default;
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new CarSettingError(`${setting.flag} (${setting.env}, ${setting.key}) takes a whole number ≥ 1, got ${JSON.stringify(String(value))}: for example ${setting.env}=${setting.default} (the default)`);
  }
  return n;
}

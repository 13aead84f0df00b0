// What the gateway's /metrics shows of the CAR bounds: CARs refused for the CARs open already
// (counted with the gateway's other 429s, by limit: car_client, car_total) and CARs cut short at a
// bound of their DAG (blocks or depth). An operator who set the bounds low sees what they cost.
import type { GatewayMetrics } from '../../observability/gateway-metrics';

export interface CarMetrics {
  refused(bound: 'client' | 'total'): void;
  cutShort(bound: 'blocks' | 'depth'): void;
}

export function carMetrics(metrics: GatewayMetrics | undefined): CarMetrics {
  return {
    refused: (bound) => metrics?.rateLimited.inc({ limit: `car_${bound}` }),
    cutShort: (bound) => metrics?.carsCutShort.inc({ bound }),
  };
}

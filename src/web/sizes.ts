// An image's size from its manifest, read from the gateway's own registry API (/v2) on this
// origin: config plus layers as pushed (compressed). Unknown when the page is served without a
// gateway or the manifest is not readable anonymously.
import { formatBytes } from './dom';

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface Descriptor {
  size?: number;
}

const known = new Map<string, Promise<string>>();
let registryMissing = false;

export function manifestSize(repository: string, digest: string): Promise<string> {
  const key = `${repository}@${digest}`;
  let size = known.get(key);
  if (!size) {
    size = fetchSize(repository, digest);
    known.set(key, size);
  }
  return size;
}

async function fetchSize(repository: string, digest: string): Promise<string> {
  if (registryMissing) return 'unknown';
  try {
    const response = await fetch(`/v2/${repository}/manifests/${digest}`, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(10_000) });
    if (response.status === 404 && !(response.headers.get('content-type') ?? '').includes('json')) registryMissing = true;
    if (!response.ok) return 'unknown';
    const manifest = (await response.json()) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
    if (Array.isArray(manifest.manifests)) return `index of ${manifest.manifests.length} manifest${manifest.manifests.length === 1 ? '' : 's'}`;
    const layers = manifest.layers ?? [];
    const total = layers.reduce((sum, layer) => sum + (layer.size ?? 0), manifest.config?.size ?? 0);
    return `${formatBytes(total)} in ${layers.length} layer${layers.length === 1 ? '' : 's'}`;
  } catch {
    return 'unknown';
  }
}

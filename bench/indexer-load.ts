// The indexer benchmark's load: a deterministic plan of spaces, members and image releases,
// spread over a number of blocks (bench/indexer-build.ts turns it into signed extrinsics,
// bench/indexer-fill.ts into blocks).
//
// A release is what a `docker push` of one image version records: store_digest_info (File) for
// the config and each layer the owner has not recorded before (base layers are shared across
// spaces, so a digest gets several records; one release in ten also records its manifest as
// Json), then add_manifest for the version tag and, most of the time, for `latest`. Half of the owners push through the gateway (Proxy.proxy as the owner,
// NonTransfer), the others sign their own batch_all.
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

export interface LoadTargets {
  spaces: number;
  images: number;
  events: number;
  blocks: number;
  seed: number;
}

export interface Blob {
  digest: string;
  cid: string;
  type: 'File' | 'Json';
}

export interface CreateOp {
  kind: 'create';
  time: number;
  space: number;
  members: number[];
}

export interface ReleaseOp {
  kind: 'release';
  time: number;
  space: number;
  image: string;
  blobs: Blob[];
  tags: string[];
  digest: string;
  cid: string;
}

export type Op = CreateOp | ReleaseOp;

export interface LoadPlan {
  targets: LoadTargets;
  spaceNames: string[];
  /** Owners that push through the gateway's proxy. */
  viaGateway: boolean[];
  /** Ops in chain order; `firstOp[b]` is the index of the first op of planned block b. */
  ops: Op[];
  firstOp: number[];
  counts: {
    spaces: number;
    members: number;
    images: number;
    releases: number;
    tags: number;
    manifestCalls: number;
    digestInfoCalls: number;
    sharedBlobRecords: number;
    /** Distinct digests recorded (rows of Blob). */
    blobs: number;
    gatewayReleases: number;
    events: number;
    registryCalls: number;
  };
}

/** mulberry32: small, fast and the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['web', 'api', 'worker', 'db', 'cache', 'frontend', 'backend', 'auth', 'gateway', 'scheduler', 'ml-train', 'ml-serve', 'proxy', 'cron', 'etl', 'notify', 'search', 'billing', 'docs', 'admin', 'ingest', 'metrics', 'agent', 'builder'];
const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell', 'cyberdyne', 'soylent', 'vandelay', 'wonka', 'aperture', 'gringotts', 'monsters', 'oscorp'];
const BASE_LAYERS = 400;

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A sha256 digest and a CIDv1 (raw, base32) of realistic length, derived from `label`. */
function digestAndCid(label: string, type: 'File' | 'Json'): Blob {
  const hash = blake2AsU8a(stringToU8a(label));
  let cid = 'bafkrei';
  for (let i = 0; i < 52; i++) cid += B32[hash[i % 32] % 32 ^ (i & 31) % 32];
  return { digest: `sha256:${u8aToHex(hash).slice(2)}`, cid, type };
}

/**
 * The plan: every space created with 0–4 members (other owners), images spread over the
 * spaces with a long tail (a few spaces hold many), one first release per image, then further
 * releases, weighted towards popular images, until the event budget is spent.
 */
export function planLoad(targets: LoadTargets): LoadPlan {
  const random = rng(targets.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const S = targets.spaces;
  if (targets.images < S) throw new Error(`${targets.images} images for ${S} spaces: every space gets at least one image, so ask for at least as many images as spaces.`);
  const spaceNames = Array.from({ length: S }, (_, i) => `${pick(ORGS)}-${pick(WORDS)}-${i}`);
  const viaGateway = Array.from({ length: S }, () => random() < 0.5);
  const ops: Op[] = [];
  let events = 0;
  let registryCalls = 0;
  let members = 0;

  // Spaces keep being created through the first half of the range.
  const created = Array.from({ length: S }, (_, s) => (0.5 * (s + random())) / S);
  for (let s = 0; s < S; s++) {
    const count = S > 1 ? Math.floor(random() * 5) : 0;
    const list: number[] = [];
    for (let k = 0; k < count; k++) {
      let m = Math.floor(random() * S);
      if (m === s) m = (m + 1) % S;
      list.push(m);
    }
    ops.push({ kind: 'create', time: created[s], space: s, members: list });
    members += list.length;
    events += 1 + list.length;
    registryCalls += 1 + list.length;
  }

  // Images per space: weights with a long tail, at least one image per space.
  const weights = Array.from({ length: S }, () => 1 / Math.pow(random() + 0.02, 0.8));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const perSpace = weights.map((w) => Math.max(1, Math.round((w / totalWeight) * targets.images)));
  let excess = perSpace.reduce((a, b) => a + b, 0) - targets.images;
  for (let s = 0; excess !== 0 && S > 0; s = (s + 1) % S) {
    if (excess > 0 && perSpace[s] > 1) (perSpace[s]--, excess--);
    else if (excess < 0) (perSpace[s]++, excess++);
  }

  interface ImageState {
    space: number;
    name: string;
    releases: number;
    /** Layers this image carries forward into its next release. */
    layers: Blob[];
    lastTime: number;
    popularity: number;
  }
  const images: ImageState[] = [];
  for (let s = 0; s < S; s++) {
    const used = new Set<string>();
    for (let k = 0; k < perSpace[s]; k++) {
      const base = random() < 0.3 ? `library/${pick(WORDS)}` : pick(WORDS);
      let name = base;
      for (let suffix = 2; used.has(name); suffix++) name = `${base}-${suffix}`;
      used.add(name);
      images.push({ space: s, name, releases: 0, layers: [], lastTime: created[s], popularity: 1 / Math.pow(random() + 0.01, 1.2) });
    }
  }
  const recorded = Array.from({ length: S }, () => new Set<string>());
  let sharedBlobRecords = 0;
  const distinctBlobs = new Set<string>();
  let manifestCalls = 0;
  let digestInfoCalls = 0;
  let tags = 0;
  let releases = 0;
  let gatewayReleases = 0;
  const baseLayers = Array.from({ length: BASE_LAYERS }, (_, i) => digestAndCid(`base-layer-${i}`, 'File'));

  const release = (image: ImageState, time: number): boolean => {
    const n = image.releases;
    const layers = n === 0
      ? [...Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(baseLayers)), digestAndCid(`${image.space}/${image.name}/layer-0`, 'File')]
      : [...image.layers.slice(0, -1), ...Array.from({ length: 1 + Math.floor(random() * 2) }, (_, k) => digestAndCid(`${image.space}/${image.name}/layer-${n}-${k}`, 'File'))];
    const config = digestAndCid(`${image.space}/${image.name}/config-${n}`, 'File');
    const manifest = digestAndCid(`${image.space}/${image.name}/manifest-${n}`, 'Json');
    // One release in ten also records the manifest itself (Json), as a push by digest does.
    const blobs = [...layers, config, ...(random() < 0.1 ? [manifest] : [])].filter((b) => !recorded[image.space].has(b.digest));
    const releaseTags = [`v1.${n}.0`];
    if (n === 0 || random() < 0.7) releaseTags.push('latest');
    const cost = blobs.length + 2 * releaseTags.length;
    if (events + cost > targets.events) return false;
    for (const b of blobs) {
      recorded[image.space].add(b.digest);
      distinctBlobs.add(b.digest);
      if (baseLayers.includes(b)) sharedBlobRecords++;
    }
    image.layers = layers;
    image.releases++;
    image.lastTime = time;
    ops.push({ kind: 'release', time, space: image.space, image: image.name, blobs, tags: releaseTags, digest: manifest.digest, cid: manifest.cid });
    events += cost;
    registryCalls += blobs.length + releaseTags.length;
    manifestCalls += releaseTags.length;
    digestInfoCalls += blobs.length;
    tags += n === 0 ? 2 : 1;
    releases++;
    if (viaGateway[image.space]) gatewayReleases++;
    return true;
  };

  // First releases soon after the space exists; then the rest of the budget, popular first.
  let imageCount = 0;
  for (const image of images) {
    const start = created[image.space];
    if (!release(image, start + (random() * (1 - start)) * 0.5 + 1e-9)) break;
    imageCount++;
  }
  const released = images.slice(0, imageCount);
  const cumulative: number[] = [];
  let sum = 0;
  for (const image of released) cumulative.push((sum += image.popularity));
  let misses = 0;
  while (released.length && misses < 50) {
    const r = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    const image = released[lo];
    if (release(image, image.lastTime + random() * (1 - image.lastTime))) misses = 0;
    else misses++;
  }

  // A space's creation and an image's releases keep their order; everything else interleaves.
  ops.sort((a, b) => a.time - b.time || (a.kind === 'create' ? -1 : 1));
  const firstOp: number[] = [];
  const B = Math.max(1, targets.blocks);
  for (let b = 0, i = 0; b <= B; b++) {
    while (i < ops.length && Math.floor((i * B) / ops.length) < b) i++;
    firstOp.push(b === B ? ops.length : i);
  }
  return {
    targets,
    spaceNames,
    viaGateway,
    ops,
    firstOp,
    counts: { spaces: S, members, images: imageCount, releases, tags, manifestCalls, digestInfoCalls, sharedBlobRecords, blobs: distinctBlobs.size, gatewayReleases, events, registryCalls },
  };
}


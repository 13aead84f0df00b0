// Builds OCI image layouts without internet: busybox from busybox-static plus random data
// layers, with umoci; and writes indexes and artifacts into a layout by hand.
import { randomBytes, createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './tools';

export const BUSYBOX = '/bin/busybox';

export interface LayoutManifest {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/**
 * `umoci` image `tag` in the layout at `layout`: a busybox layer and one random file layer per
 * size in `randomSizes`. Returns the manifest descriptor.
 */
export async function buildImage(work: string, layout: string, tag: string, options: { randomSizes: number[]; architecture?: string }): Promise<LayoutManifest> {
  const layers: string[] = [];
  const rootfs = join(work, `${tag}-busybox`);
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
  symlinkSync('busybox', join(rootfs, 'bin', 'cat'));
  layers.push(rootfs);
  options.randomSizes.forEach((size, i) => {
    const dir = join(work, `${tag}-data-${i}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', `random-${size}.bin`), randomBytes(size));
    layers.push(dir);
  });
  await run('umoci', ['init', '--layout', layout]).catch(() => undefined);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  for (const [i, dir] of layers.entries()) {
    const tar = join(work, `${tag}-layer-${i}.tar`);
    await run('tar', ['-C', dir, '-cf', tar, '.']);
    await run('umoci', ['raw', 'add-layer', '--image', `${layout}:${tag}`, tar]);
  }
  await run('umoci', ['config', '--image', `${layout}:${tag}`, '--config.cmd', '/bin/sh', '--os', 'linux', '--architecture', options.architecture ?? 'amd64']);
  return layoutManifest(layout, tag);
}

/** The manifest descriptor a layout's index.json names for `tag`. */
export function layoutManifest(layout: string, tag: string): LayoutManifest {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: (LayoutManifest & { annotations?: Record<string, string> })[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`no ${tag} in ${layout}`);
  return { digest: entry.digest, size: entry.size, mediaType: entry.mediaType };
}

export function readBlob(layout: string, digest: string): Buffer {
  return readFileSync(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

/** Writes bytes as a blob of the layout; returns its descriptor fields. */
export function writeBlob(layout: string, bytes: Buffer | string): { digest: string; size: number } {
  const buffer = Buffer.from(bytes);
  const hex = createHash('sha256').update(buffer).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), buffer);
  return { digest: `sha256:${hex}`, size: buffer.length };
}

/** Adds a manifest (any JSON) to the layout's index.json under `tag`. */
export function tagInLayout(layout: string, tag: string, mediaType: string, json: unknown): LayoutManifest {
  const blob = writeBlob(layout, JSON.stringify(json));
  const indexPath = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { manifests: unknown[] };
  index.manifests.push({ mediaType, digest: blob.digest, size: blob.size, annotations: { 'org.opencontainers.image.ref.name': tag } });
  writeFileSync(indexPath, JSON.stringify(index));
  return { ...blob, mediaType };
}

// A minimal OCI distribution client over fetch, for the route-group tests.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export const digestOf = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Blob {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly size: number;
}

export function blobOf(bytes: Buffer | string): Blob {
  const buffer = Buffer.from(bytes);
  return { bytes: buffer, digest: digestOf(buffer), size: buffer.length };
}

export const randomBlob = (size: number): Blob => blobOf(randomBytes(size));

export function headersWith(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/** Monolithic upload: POST ?digest= with the bytes. */
export async function pushBlob(url: string, name: string, blob: Blob, token?: string): Promise<Response> {
  return fetch(`${url}/v2/${name}/blobs/uploads/?digest=${blob.digest}`, {
    method: 'POST',
    headers: headersWith(token, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) }),
    body: blob.bytes,
  });
}

export interface ImageParts {
  readonly config: Blob;
  readonly layers: Blob[];
  readonly manifest: Blob;
}

/** An OCI image (config + layers) with its manifest; `extra` is merged into the manifest JSON. */
export function makeImage(layers: Blob[], extra: Record<string, unknown> = {}): ImageParts {
  const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, nonce: randomBytes(8).toString('hex') }));
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
      ...extra,
    }),
  );
  return { config, layers, manifest };
}

export async function pushManifest(url: string, name: string, reference: string, manifest: Blob, mediaType = OCI_MANIFEST, token?: string): Promise<Response> {
  return fetch(`${url}/v2/${name}/manifests/${reference}`, { method: 'PUT', headers: headersWith(token, { 'Content-Type': mediaType }), body: manifest.bytes });
}

/** Pushes config, layers and manifest; throws unless every step succeeded. */
export async function pushImage(url: string, name: string, reference: string, image: ImageParts, token?: string): Promise<Response> {
  for (const blob of [image.config, ...image.layers]) {
    const response = await pushBlob(url, name, blob, token);
    if (response.status !== 201) throw new Error(`blob push answered ${response.status}: ${await response.text()}`);
  }
  const response = await pushManifest(url, name, reference, image.manifest, OCI_MANIFEST, token);
  if (response.status !== 201) throw new Error(`manifest push answered ${response.status}: ${await response.text()}`);
  return response;
}

/** The OCI error body of a response (asserting its shape). */
export async function ociErrors(response: Response): Promise<{ code: string; message: string; detail?: unknown }[]> {
  const text = await response.text();
  let body: { errors?: { code: string; message: string }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not an OCI error body (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(body.errors) || body.errors.length === 0) throw new Error(`no errors list in ${text.slice(0, 200)}`);
  return body.errors;
}

/** A response's JSON body, untyped for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (response: Response): Promise<any> => response.json();

/** Asserts that `name:reference`'s manifest and the image's first layer are served, the layer byte for byte. */
export async function assertPullServed(url: string, name: string, reference: string, image: ImageParts): Promise<void> {
  const layer = await fetch(`${url}/v2/${name}/blobs/${image.layers[0].digest}`);
  assert.equal(layer.status, 200);
  assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);
  const manifest = await fetch(`${url}/v2/${name}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(manifest.status, 200);
}

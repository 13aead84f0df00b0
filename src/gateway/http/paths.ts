// The routes of the OCI distribution API (v1.1) and the token endpoint, as named patterns.
// `name` may contain slashes (<space>/<image/with/paths>), so the fixed suffixes decide; the
// upload route is tried before the blob route.
export const ROUTES = {
  base: /^\/v2\/?$/,
  catalog: /^\/v2\/_catalog$/,
  tags: /^\/v2\/(?<name>.+)\/tags\/list$/,
  manifest: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/,
  upload: /^\/v2\/(?<name>.+)\/blobs\/uploads(?:\/(?<uuid>[^/]*))?$/,
  blob: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/,
  referrers: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/,
  token: /^\/token$/,
  tokenRevoke: /^\/token\/revoke$/,
} as const;

export type RouteName = keyof typeof ROUTES;

export const paths = {
  blob: (name: string, digest: string) => `/v2/${name}/blobs/${digest}`,
  upload: (name: string, uuid: string) => `/v2/${name}/blobs/uploads/${uuid}`,
  manifest: (name: string, reference: string) => `/v2/${name}/manifests/${reference}`,
  tags: (name: string) => `/v2/${name}/tags/list`,
  catalog: () => '/v2/_catalog',
};

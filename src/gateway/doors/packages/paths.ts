// The package registry's routes. A package name is `<space>/<name>` (also `@<space>/<name>`), or
// a bare name in the gateway's default space; it may hold slashes, so fixed suffixes decide.
export const PACKAGE_ROUTES = {
  publish: /^\/api\/packages\/publish\/?$/,
  list: /^\/api\/packages\/?$/,
  resolve: /^\/api\/packages\/(?<name>.+)\/resolve$/,
  download: /^\/api\/packages\/(?<name>.+)\/(?<version>[^/]+)\/download$/,
  info: /^\/api\/packages\/(?<name>.+?)\/?$/,
  search: /^\/api\/search\/?$/,
} as const;

export const packagePaths = {
  info: (name: string) => `/api/packages/${name}`,
  download: (name: string, version: string) => `/api/packages/${name}/${encodeURIComponent(version)}/download`,
};

// The firmware server's routes (SPORE registry's REST API), on the gateway's HTTP port.
export const FIRMWARE_ROUTES = {
  /** POST uploads, GET lists. */
  firmware: /^\/firmware\/?$/,
  /** GET downloads: `/firmware/<name>/<version>`, the name bare (default space) or `<space>/<name>`. */
  download: /^\/firmware\/(?<name>.+)\/(?<version>[^/]+)$/,
  health: /^\/health$/,
} as const;

export const firmwarePaths = {
  download: (name: string, version: string) => `/firmware/${name}/${encodeURIComponent(version)}`,
};

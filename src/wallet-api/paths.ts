// The API's routes, relative to where the router is mounted (/api in the gateway).
export const API_PATHS = {
  openapi: '/openapi.json',
  config: '/config',
  account: '/accounts/:address',
  spaceName: '/spaces/:id/name',
  call: '/calls/:action',
  extrinsics: '/extrinsics',
  extrinsic: '/extrinsics/:hash',
  extrinsicEvents: '/extrinsics/:hash/events',
  loginMessage: '/login/message',
  loginToken: '/login/token',
  graphql: '/graphql',
} as const;

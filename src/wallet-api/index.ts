// The wallet API: build a registry call, sign it in any wallet, submit it, follow it; the
// docker login; the index. The gateway mounts createWalletApiRouter at /api and webPageRouter
// (over the built page, see ensureWebBuild) at /.
export { ACTION_NAMES, type ActionName } from './actions';
export { DEFAULT_WALLET_API_CONCURRENCY, type WalletApiConcurrency } from './concurrency';
export { ApiError, type ApiErrorCode } from './errors';
export { openApiDocument } from './openapi';
export { createWalletApiRouter, type WalletApiOptions, type WalletApiRouter } from './router';
export { startWalletApiServer, type StartWalletApiServerOptions, type WalletApiServer } from './server';
export type { TxErrorWords, TxRecord, TxStatus } from './tx-tracker';
export { ensureWebBuild, WEB_OUT_DIR } from './web-build';
export { webPageRouter } from './web-page';

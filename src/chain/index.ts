// The chain client: connection, call builders, the one submitTx path, signers and readers.
export { bytesArg, type ChainBytes, chainBytes, displayBytes } from './bytes';
export { addManifest, addSpaceMember, createSpace, type DigestRecord, type DigestType, type ManifestRecord, NONCE_FILLER_TEXT, nonceFiller, PUSHED_BY_PREFIX, pushedByStatement, storeDigestInfo, type Tx } from './calls';
export { addProxy, asProxy, batch, batchAll, forceBatch, type InnerCall, type ProxyType, removeProxy } from './composite-calls';
export { assertChainUsable, assertRegistryPallet, type ChainConnectionProblem, ChainConnectionError, chainMismatch, type ConnectOptions, connectChain } from './connect';
export { type ChainErrorInfo, decodeDispatchError } from './dispatch-error';
export { chainErrorText, type ChainErrorWords, chainErrorWords } from './error-messages';
export { grantGateway, hasGatewayGrant, type ProxyGrant, proxiesOf, revokeGateway } from './gateway-proxy';
export { claimOf, nameClaim, type NameClaim, nameTakenText, spaceCreationBlock } from './name-claims';
export { shownHash } from './shown-hash';
export { sortsBefore, spaceKeySuffix } from './space-order';
export { type DigestInfoView, digestInfo, imageDigestCid, type KeyBytes, manifestDigest } from './record-readers';
export { DEV_GATEWAY_URI, type ExternalAccount, gatewaySigner, InjectedWalletSigner, isKeyringPair, type KeyType, signerFromUri, type TxSigner, walletAccount } from './signers';
export { getSpace, isSpaceMember, listSpaces, nextSpaceId, type QueryApi, spaceByOwner, spaceForPush, spaceMembers, spacesByName, type SpaceView } from './space-readers';
export { type SubmitOptions, submitTx, type TxResult, type TxStatusName, type TxStatusUpdate } from './submit';
export { type BatchItemFailure, ChainTxError, type ChainTxErrorKind } from './tx-error';
export { filterEvents, findEvent, txFailure } from './tx-events';
export { checkAddress, checkCid, checkDigest, checkImageName, checkRepoName, checkSpaceId, checkTag, InvalidInputError, SS58_PREFIX } from './validate';

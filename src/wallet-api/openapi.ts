// The OpenAPI 3 description of the wallet API, served at /openapi.json. Paths are relative to
// `server` (where the router is mounted, /api in the gateway).
import { ACTION_NAMES } from './actions';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const hex = { type: 'string', pattern: '^0x([0-9a-fA-F]{2})*$' };
const address = { type: 'string', description: 'SS58 address (any prefix) or 0x 32-byte public key', example: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' };
const body = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const hashParam = { name: 'hash', in: 'path', required: true, schema: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' }, description: 'the hash POST /extrinsics returned' };

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: ['INVALID_FIELD', 'UNKNOWN_FIELD', 'INVALID_BODY', 'MALFORMED_EXTRINSIC', 'NOT_SIGNED', 'BAD_SIGNATURE', 'CALL_NOT_ALLOWED', 'STALE', 'REJECTED_BY_CHAIN', 'NOT_FOUND', 'UNKNOWN_ACTION', 'INDEX_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL'] },
          message: { type: 'string', description: 'what is wrong and how to fix it' },
          field: { type: 'string', description: 'the request field the error is about' },
        },
      },
    },
  },
  SignerPayload: {
    type: 'object',
    description: 'polkadot.js SignerPayloadJSON: pass it to a wallet extension\'s signer.signPayload unchanged',
    required: ['address', 'blockHash', 'blockNumber', 'era', 'genesisHash', 'method', 'nonce', 'signedExtensions', 'specVersion', 'tip', 'transactionVersion', 'version'],
    properties: {
      address: { type: 'string' }, blockHash: hex, blockNumber: hex, era: hex, genesisHash: hex, method: hex, nonce: hex, tip: hex,
      specVersion: hex, transactionVersion: hex, version: { type: 'integer' }, mode: { type: 'integer' }, metadataHash: { ...hex, nullable: true },
      assetId: { nullable: true }, withSignedTransaction: { type: 'boolean' }, signedExtensions: { type: 'array', items: { type: 'string' } },
    },
  },
  Call: {
    type: 'object',
    required: ['action', 'signer', 'description', 'callData', 'call', 'payload', 'signingBytes'],
    properties: {
      action: { type: 'string', enum: ACTION_NAMES },
      signer: { type: 'string' },
      description: { type: 'string', description: 'the call in words, to show before signing' },
      callData: { ...hex, description: 'the SCALE-encoded call' },
      call: { type: 'object', description: 'the call in human form: section, method, args' },
      payload: ref('SignerPayload'),
      signingBytes: { ...hex, description: 'the bytes the signer signs (the SCALE payload, or its blake2-256 hash when longer than 256 bytes), for scripts without polkadot.js; send the MultiSignature (0x01 + sr25519 signature) with the payload to POST /extrinsics' },
    },
  },
  TxStatus: { type: 'string', enum: ['submitted', 'future', 'ready', 'broadcast', 'inBlock', 'retracted', 'finalized', 'failed'], description: 'signing happens in the wallet before submission; then submitted → ready → inBlock → finalized, or failed' },
  Tx: {
    type: 'object',
    required: ['hash', 'action', 'signer', 'nonce', 'status', 'history'],
    properties: {
      hash: hex, action: { type: 'string', enum: ACTION_NAMES }, signer: { type: 'string' }, nonce: { type: 'integer' }, status: ref('TxStatus'),
      blockHash: hex, blockNumber: { type: 'integer' },
      error: { type: 'object', properties: { code: { type: 'string', example: 'ContainerRegistry.UserAlreadyHasSpace' }, message: { type: 'string', example: 'You already own a space (an account may own one). Add members to your space, or create the new one from another account.' }, docs: { type: 'string' } } },
      history: { type: 'array', items: { type: 'object', properties: { status: ref('TxStatus'), at: { type: 'string', format: 'date-time' }, blockHash: hex } } },
      links: { type: 'object', properties: { status: { type: 'string' }, events: { type: 'string' } } },
    },
  },
};

const callBodies: Record<string, object> = {
  'create-space': { signer: address, name: { type: 'string', example: 'acme' } },
  'add-member': { signer: address, spaceId: { oneOf: [{ type: 'string', pattern: '^\\d+$' }, { type: 'integer' }], example: '1' }, member: address },
  'grant-gateway': { signer: address },
  'revoke-gateway': { signer: address },
};

export function openApiDocument(server: string) {
  return {
    openapi: '3.0.3',
    info: { title: 'Hippius container registry: wallet API', version: '1', description: 'Build a registry call, sign its payload in any polkadot.js-compatible wallet, submit it, and follow it to finality. Also the sign-in message and docker login token, and the index (GraphQL).' },
    servers: [{ url: server || '/' }],
    paths: {
      '/config': { get: { summary: 'The chain, the gateway\'s account and the registry domain', responses: { 200: json({ type: 'object' }, 'configuration') } } },
      '/accounts/{address}': {
        get: {
          summary: 'An account\'s space, gateway grant and next nonce, from chain state',
          parameters: [{ name: 'address', in: 'path', required: true, schema: address }],
          responses: { 200: json({ type: 'object', properties: { address: { type: 'string' }, nonce: { type: 'integer' }, free: { type: 'string' }, gatewayGrant: { type: 'boolean' }, space: { type: 'object', nullable: true } } }, 'the account'), 400: error('not an address') },
        },
      },
      '/spaces/{id}/name': {
        get: {
          summary: 'Who owns the space\'s name, from chain state: the space that claimed it first owns it, later ones with the name are shadows',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } }],
          responses: {
            200: json({ type: 'object', properties: { id: { type: 'string' }, owner: { type: 'object' }, name: { type: 'string', nullable: true }, nameHex: hex, isNameOwner: { type: 'boolean' }, takesNameWrites: { type: 'boolean' }, shadowOf: { type: 'object', nullable: true }, nameTakenBy: { type: 'object', nullable: true } } }, 'the space\'s claim on its name'),
            400: error('not a space id'),
            404: error('no such space on chain'),
          },
        },
      },
      '/calls/{action}': {
        post: {
          summary: 'Build the unsigned call for an action and the payload the signer\'s wallet signs',
          description: `One of ${ACTION_NAMES.join(', ')}. Request bodies: ${Object.entries(callBodies).map(([name, props]) => `${name}: {${Object.keys(props).join(', ')}}`).join('; ')}.`,
          parameters: [{ name: 'action', in: 'path', required: true, schema: { type: 'string', enum: ACTION_NAMES } }],
          requestBody: body({ oneOf: Object.values(callBodies).map((properties) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties })) }),
          responses: { 200: json(ref('Call'), 'the call and its signing payload'), 400: error('a field is missing, of the wrong type or not valid'), 404: error('unknown action'), 409: error('create-space: the name is taken (NAME_TAKEN): another space claimed it first, and a second one would be a shadow whose images pulls never show'), 415: error('the body is not JSON') },
        },
      },
      '/extrinsics': {
        post: {
          summary: 'Submit a signed extrinsic (or a payload and its signature); only the actions above are accepted',
          description: 'Nothing reaches the chain unless the extrinsic decodes for this runtime, is signed, calls an allowed action, carries the signer\'s valid signature, and has a current nonce and era.',
          requestBody: body({ oneOf: [{ type: 'object', additionalProperties: false, required: ['extrinsic'], properties: { extrinsic: hex } }, { type: 'object', additionalProperties: false, required: ['payload', 'signature'], properties: { payload: ref('SignerPayload'), signature: hex } }] }),
          responses: {
            202: json(ref('Tx'), 'submitted; follow links.status or links.events'),
            200: json(ref('Tx'), 'already submitted: the existing record'),
            400: error('malformed, unsigned or mis-signed'),
            409: error('nonce already used, ahead, or era ended: build and sign again; or a create_space of a name another space claimed first (NAME_TAKEN)'),
            422: error('a call that is not an allowed action, or refused by the node'),
            429: error('the signer (or everyone) has as many transactions in progress here as allowed: wait for one to end'),
          },
        },
      },
      '/extrinsics/{hash}': { get: { summary: 'A submitted transaction\'s status (poll until finalized or failed)', parameters: [hashParam], responses: { 200: json(ref('Tx'), 'status'), 400: error('not a hash'), 404: error('unknown') } } },
      '/extrinsics/{hash}/events': {
        get: {
          summary: 'Server-sent events: one `status` event (data: Tx) per change, ending after finalized or failed',
          parameters: [hashParam],
          responses: { 200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 404: error('unknown'), 429: error('this address (or everyone) has as many streams open as allowed: close one, or poll /extrinsics/{hash}') },
        },
      },
      '/login/message': {
        post: {
          summary: 'The sign-in message for the wallet\'s signRaw (type bytes)',
          requestBody: body({ type: 'object', additionalProperties: false, required: ['address'], properties: { address, ttlSeconds: { type: 'integer', minimum: 1, maximum: 2592000 } } }),
          responses: { 200: json({ type: 'object', properties: { domain: { type: 'string' }, address: { type: 'string' }, message: { type: 'string' }, expiresAt: { type: 'string' } } }, 'the message'), 400: error('bad address or lifetime') },
        },
      },
      '/login/token': {
        post: {
          summary: 'The docker login token from the signed message, with the docker login command',
          requestBody: body({ type: 'object', additionalProperties: false, required: ['message', 'signature'], properties: { message: { type: 'string' }, signature: hex } }),
          responses: { 200: json({ type: 'object', properties: { domain: { type: 'string' }, username: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string' }, command: { type: 'string' } } }, 'the login'), 400: error('the signature or message does not verify') },
        },
      },
      '/graphql': {
        post: {
          summary: 'The indexer\'s GraphQL (spaces, members, images, tags, history)',
          requestBody: body({ type: 'object', required: ['query'], properties: { query: { type: 'string' }, variables: { type: 'object' }, operationName: { type: 'string' } } }),
          responses: { 200: json({ type: 'object' }, 'GraphQL answer'), 502: error('the answer is over 16 MiB'), 503: error('no index, or it did not answer with JSON (redirects are not followed)') },
        },
      },
    },
    components: { schemas },
  };
}

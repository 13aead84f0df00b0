// @helia/verified-fetch, the IPFS project's own verifying client, over a Helia node whose only
// provider is the gateway under test (its trustless-gateway block broker asks for each block
// with ?format=raw and checks it against its CID before use).
//
// On Node 20 two things it expects from Node 22 are supplied here: Promise.withResolvers (a
// few lines), and undici 6 instead of 8 for its HTTP transport (package.json's overrides).

export interface VerifiedAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** Fetches `ipfs://cid` through the gateway at `url`, verified; gives up after `timeoutMs`. */
export async function fetchVerified(url: string, cid: string, timeoutMs = 60_000): Promise<VerifiedAnswer> {
  const promise = Promise as unknown as { withResolvers?: () => unknown };
  promise.withResolvers ??= () => {
    let resolve: unknown;
    let reject: unknown;
    const created = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise: created, resolve, reject };
  };
  const [{ createHeliaLight }, { trustlessGatewayBlockBroker }, { fallbackRouter }, { createVerifiedFetch }] = await Promise.all([
    import('helia'),
    import('@helia/trustless-gateway-client'),
    import('@helia/fallback-router'),
    import('@helia/verified-fetch'),
  ]);
  // The gateway as an ordinary router: Helia only turns to "fallback" routers after others, and
  // with no other router it waits on them forever.
  const gateways = fallbackRouter({ gateways: [url], shuffle: false });
  const helia = await createHeliaLight({
    blockBrokers: [trustlessGatewayBlockBroker({ allowInsecure: true, allowLocal: true })],
    routers: [{ name: 'gateway-under-test', findProviders: (key, options) => gateways.findProviders!(key, options) }],
  });
  await helia.start();
  const verifiedFetch = await createVerifiedFetch(helia);
  try {
    const response = await verifiedFetch(`ipfs://${cid}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    return { status: 0, body: Buffer.from(String((error as Error).message)) };
  } finally {
    await verifiedFetch.stop();
  }
}

// DiscoverPlugins is the plugin door's listing: anyone may send it, and each one asks the index for
// up to 1,000 versions and the CIDs of their files. It is admitted by the gateway's listing limits
// (src/limits/listing-admission.ts), shared with the HTTP doors' listings and searches, on the
// call's metadata, by the caller's address as the upload admission finds it (behind a trusted
// proxy, the client it names). A refusal is RESOURCE_EXHAUSTED with `retry-after` metadata.
//
// A call is in progress until its handler answers: a client that cancels a call whose handler
// runs has not stopped the index queries it started, so its place is given back only then. A call
// cancelled (or refused by grpc-js, as for a message too large) before its handler started gives
// it back at once; grpc-js reports the end of every call as a cancel, after its status.
import { type ServerInterceptor, ServerInterceptingCall } from '@grpc/grpc-js';
import type { GatewayContext } from '../../context';
import { clientIp, refusalStatus } from './upload-admission';

export const DISCOVER_PLUGINS_PATH = '/pb.PluginRegistry/DiscoverPlugins';

export function admitPluginListings(ctx: GatewayContext): ServerInterceptor {
  return (method, call) => {
    if (method.path !== DISCOVER_PLUGINS_PATH) return new ServerInterceptingCall(call);
    let release: (() => void) | undefined;
    let handlerStarted = false;
    const done = () => {
      release?.();
      release = undefined;
    };
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const admitted = ctx.listingAdmission.admit(clientIp(ctx, call, metadata));
            if (!admitted.admitted) return intercepted.sendStatus(refusalStatus(admitted));
            release = admitted.release;
            passOn(metadata);
          },
          // A unary handler starts once the request is complete.
          onReceiveHalfClose: (passOn) => {
            handlerStarted = true;
            passOn();
          },
          onCancel: () => {
            if (!handlerStarted) done();
          },
        }),
      sendMessage: (message, next) => {
        done();
        next(message);
      },
      sendStatus: (status, next) => {
        done();
        next(status);
      },
    });
    return intercepted;
  };
}

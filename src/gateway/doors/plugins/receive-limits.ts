// How much of each call's request the plugin registry reads. Only RegisterPlugin carries a
// plugin's bytes (a data URL, up to the door's largest message); every other call
// (DiscoverPlugins, GetPlugin, server reflection) is a few names that anyone may send without a
// token. grpc-js has one receive limit per server, applied to every call as its message arrives,
// before any interceptor sees the message: with the plugin's limit for all, anyone could make the
// gateway hold 64 MiB per call, over as many calls as they open. So the server is started with
// the small limit of those calls, and this interceptor raises it for each RegisterPlugin call,
// whose message is read once the call was admitted (a token with the publish scope, the upload
// limits and the message budget: upload-admission.ts).
//
// RegisterPlugin is unary, yet a client may send further messages on its stream: grpc-js reads a
// second one whole before refusing it, outside the message budget (which counts the first). So
// once its one message arrived, a RegisterPlugin call reads no further message.
//
// grpc-js offers no per-method limit, so this sets the call's own limits on the innermost call
// object (the interceptor must come first in the server's list). Should a grpc-js release name
// those fields otherwise, nothing is raised: RegisterPlugin then refuses large plugins (and the
// plugin tests say so), never a read call accepting large messages.
import { type ServerInterceptor, ServerInterceptingCall } from '@grpc/grpc-js';
import { REGISTER_PLUGIN_PATH } from './upload-admission';

/** The largest DiscoverPlugins, GetPlugin or reflection request: names, versions and CIDs need far less. */
export const READ_CALL_MESSAGE_BYTES = 16 * 1024;

/** The decoder's state between messages (grpc-js's ReadState.NO_DATA). */
const BETWEEN_MESSAGES = 0;

/** What grpc-js keeps per call: the decoder's limit on a message's declared length, and the limit after decompression. */
interface CallReceiveLimits {
  maxReceiveMessageSize: number;
  decoder: { maxReadMessageLength: number; readState?: number; write(data: Buffer): Buffer[] };
}

function receiveLimitsOf(call: unknown): CallReceiveLimits | undefined {
  const limits = call as Partial<CallReceiveLimits> | undefined;
  const decoder = limits?.decoder;
  const known = typeof limits?.maxReceiveMessageSize === 'number' && typeof decoder?.maxReadMessageLength === 'number' && typeof decoder.write === 'function';
  return known ? (limits as CallReceiveLimits) : undefined;
}

const methodOf = (path: string) => path.split('/').pop() || path;

/** Lets RegisterPlugin's one message be `bytes` long, and refuses any message after it. */
function oneLargeMessage(limits: CallReceiveLimits, bytes: number): void {
  limits.maxReceiveMessageSize = bytes;
  const { decoder } = limits;
  decoder.maxReadMessageLength = bytes;
  const write = decoder.write.bind(decoder);
  let messages = 0;
  const further = () => new Error('RegisterPlugin takes one message, and a further one was sent on the call: send each plugin in a call of its own');
  decoder.write = (data) => {
    let decoded: Buffer[];
    try {
      decoded = write(data);
    } catch (error) {
      throw messages > 0 ? further() : error;
    }
    messages += decoded.length;
    // A second message begun in the same frame as the first ended is caught by the state; one
    // begun in a later frame by its length, which may now be nothing.
    const another = messages > 1 || (messages === 1 && decoder.readState !== undefined && decoder.readState !== BETWEEN_MESSAGES);
    if (another) throw further();
    if (messages === 1) decoder.maxReadMessageLength = 0;
    return decoded;
  };
}

/** Keeps the server's small limit for any other call, refused past it with a message naming it. */
function smallMessages(limits: CallReceiveLimits, path: string): void {
  const { decoder } = limits;
  const write = decoder.write.bind(decoder);
  // grpc-js answers a message past the limit with RESOURCE_EXHAUSTED and the error's text: that
  // text says what the limit is for.
  decoder.write = (data) => {
    try {
      return write(data);
    } catch (error) {
      const size = /larger than max \((\d+) vs/.exec((error as Error).message)?.[1];
      if (size === undefined) throw error;
      throw new Error(`${methodOf(path)} requests are at most ${decoder.maxReadMessageLength} bytes, and this one is ${size}: only RegisterPlugin carries a plugin's bytes; send a name, version or CID`);
    }
  };
}

/**
 * Raises the receive limit to `registerPluginBytes` for RegisterPlugin's one message; other calls
 * keep the server's (small) limit.
 */
export function limitCallMessages(options: { registerPluginBytes: number; log: (line: string) => void }): ServerInterceptor {
  let warned = false;
  return (method, call) => {
    const limits = receiveLimitsOf(call);
    if (!limits) {
      if (!warned) options.log(`plugins: this @grpc/grpc-js keeps a call's receive limit where the plugin door does not find it, so RegisterPlugin messages are held to ${READ_CALL_MESSAGE_BYTES} bytes like the other calls`);
      warned = true;
    } else if (method.path === REGISTER_PLUGIN_PATH) oneLargeMessage(limits, options.registerPluginBytes);
    else smallMessages(limits, method.path);
    return new ServerInterceptingCall(call);
  };
}

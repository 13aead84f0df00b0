// RegisterPlugin is an upload (up to the server's largest message), so it is admitted by the
// gateway's upload limits like any other: a rate per client IP, then the token, then a rate per
// account and a place among the account's uploads at once. All of it is decided on the call's
// metadata, before the message is read: a flood, a missing token or a token without the publish
// scope is refused without the server ever holding the plugin's bytes. An admitted call then takes
// its share of the memory all RegisterPlugin messages may hold at once (message-budget.ts), and
// its message must arrive in time.
import { Metadata, type ServerInterceptingCallInterface, type ServerInterceptor, ServerInterceptingCall, status as Status } from '@grpc/grpc-js';
import { requirePublish } from '../../artifacts/access';
import type { GatewayContext } from '../../context';
import { clientKey, grpcPeerAddress } from '../../../limits/client-key';
import type { UploadRefusal } from '../../../limits/upload-admission';
import { type BudgetShare, messageBytes, type PendingShare } from './message-budget';
import { budgetRefusal, lateMessage, type PluginMessageMemory } from './message-memory';
import { grpcError } from './status';

export const REGISTER_PLUGIN_PATH = '/pb.PluginRegistry/RegisterPlugin';

export const authorizationOf = (metadata: Metadata): string | undefined => {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : value?.toString('utf8');
};

function lateStatus(memory: PluginMessageMemory) {
  const metadata = new Metadata();
  metadata.set('hcr-error-code', 'MISSING_PART');
  return { code: Status.DEADLINE_EXCEEDED, details: lateMessage(memory), metadata };
}

/** A refusal by a gateway limit: RESOURCE_EXHAUSTED, with when to retry as `retry-after` metadata. */
export function refusalStatus(refusal: Pick<UploadRefusal, 'message' | 'retryAfterSeconds'>) {
  const metadata = new Metadata();
  metadata.set('hcr-error-code', 'TOO_MANY_REQUESTS');
  metadata.set('retry-after', String(refusal.retryAfterSeconds));
  return { code: Status.RESOURCE_EXHAUSTED, details: refusal.message, metadata };
}

/**
 * Who the caller counts as for the per-client limits: the connection's peer, or behind a trusted
 * proxy the client it names in x-forwarded-for, keyed as on HTTP (an IPv6 client by its /64).
 */
export function clientIp(ctx: GatewayContext, call: ServerInterceptingCallInterface, metadata: Metadata): string {
  return clientKeyOf(ctx, call.getConnectionInfo().remoteAddress || grpcPeerAddress(call.getPeer()), metadata);
}

/** The same key for a call as its handler sees it (which has the peer's `ipv4:address:port` only). */
export function callerKey(ctx: GatewayContext, call: { getPeer(): string; readonly metadata: Metadata }): string {
  return clientKeyOf(ctx, grpcPeerAddress(call.getPeer()), call.metadata);
}

function clientKeyOf(ctx: GatewayContext, peer: string, metadata: Metadata): string {
  const forwarded = metadata.get('x-forwarded-for').map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  return clientKey(ctx.clientAddress(peer, forwarded.length > 0 ? forwarded.join(',') : undefined));
}

/**
 * The account each admitted call's credential was found to be, by the call's metadata: the
 * handler takes it from here rather than checking the credential again, which a login token
 * that may be used once (loginTokenReuse 'once') would fail as a replay.
 */
const admittedAccounts = new WeakMap<Metadata, string | undefined>();

/** The account the admission found for this call's metadata; `found: false` when it did not see the call. */
export function admittedAccount(metadata: Metadata): { found: boolean; account?: string } {
  return admittedAccounts.has(metadata) ? { found: true, account: admittedAccounts.get(metadata) } : { found: false };
}

export function admitPluginUploads(ctx: GatewayContext, memory?: PluginMessageMemory): ServerInterceptor {
  return (method, call) => {
    if (method.path !== REGISTER_PLUGIN_PATH) return new ServerInterceptingCall(call);
    let release: (() => void) | undefined;
    let share: BudgetShare | undefined;
    let pending: PendingShare | undefined;
    let late: NodeJS.Timeout | undefined;
    let ended = false;
    const end = () => {
      ended = true;
      release?.();
      release = undefined;
      pending?.cancel();
      share?.release();
      share = undefined;
      clearTimeout(late);
    };
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const ip = clientIp(ctx, call, metadata);
            const byIp = ctx.uploadAdmission.checkIp(ip);
            if (byIp) return intercepted.sendStatus(refusalStatus(byIp));
            requirePublish(ctx, authorizationOf(metadata), ip).then(
              (account) => {
                // A call that ended while its token was checked takes no slot: nothing would give it back.
                if (ended) return;
                const admission = ctx.uploadAdmission.admit(ip, account);
                if (!admission.admitted) return intercepted.sendStatus(refusalStatus(admission));
                release = admission.release;
                if (!memory) {
                  admittedAccounts.set(metadata, account);
                  return passOn(metadata);
                }
                pending = memory.budget.wait(memory.maxMessageBytes, account ?? '', memory.waitMs);
                return pending.share.then((given) => {
                  pending = undefined;
                  if (ended) return given?.release();
                  if (!given) return intercepted.sendStatus(refusalStatus(budgetRefusal(memory)));
                  share = given;
                  late = setTimeout(() => intercepted.sendStatus(lateStatus(memory)), memory.arrivalMs);
                  late.unref();
                  admittedAccounts.set(metadata, account);
                  passOn(metadata);
                }, (error: unknown) => ctx.log(`plugins: a RegisterPlugin call could not be admitted (${(error as Error).message})`));
              },
              (error: unknown) => intercepted.sendStatus(grpcError(error, ctx.log) as { code: Status; details: string; metadata: Metadata }),
            );
          },
          onReceiveMessage: (message, passOn) => {
            clearTimeout(late);
            share?.shrinkTo(messageBytes(message));
            passOn(message);
          },
          onCancel: end,
        }),
      sendStatus: (status, next) => {
        end();
        next(status);
      },
    });
    return intercepted;
  };
}

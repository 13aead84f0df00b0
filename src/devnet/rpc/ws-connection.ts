// One WebSocket client: dispatches its messages and owns its subscriptions.

import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { handleMessage, oversizedResponse, toJson, type RequestScope } from './jsonrpc';
import { RPC_TOO_MANY_SUBSCRIPTIONS, RpcError, type RpcConnection, type RpcMethods, type Subscription } from './types';

export interface WsConnectionOptions {
  readonly methods: RpcMethods;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes?: number;
  /** Open subscriptions this connection may hold; the next subscribe is refused (-32006). */
  readonly maxSubscriptions?: number;
  /** Unread bytes queued for the client beyond which the connection is closed. */
  readonly maxBufferedBytes?: number;
  /**
   * Unsent bytes queued for the client beyond which no more of its requests are read until they
   * drain (default DEFAULT_PAUSE_BUFFERED_BYTES, or maxBufferedBytes when that is lower).
   */
  readonly pauseBufferedBytes?: number;
  /** Storage keys all of this connection's subscriptions may watch together. */
  readonly maxWatchedKeys?: number;
  readonly onInternalError?: (method: string, error: unknown) => void;
  /** Why unsafe methods are refused, or undefined when they are served. */
  readonly unsafeRefusal: () => string | undefined;
}

/**
 * Replies a client may leave unsent before the server stops reading its requests. A client that
 * reads keeps this near zero (the kernel's socket buffers take what is in flight); one that does
 * not is held here instead of at the 64 MiB cut, as a Substrate node stops reading a connection
 * whose replies are not taken.
 */
export const DEFAULT_PAUSE_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * Requests of one connection handled at once. Replies are only known once made, so this is what
 * bounds the replies made after the connection is paused: a connection holds at most
 * pauseBufferedBytes plus this many replies. Handlers do not wait on outside events (a long
 * dev_newBlock or batch yields but finishes), so later requests wait, never forever; a node
 * (jsonrpsee's 64 messages per connection, pending calls included) bounds the same way.
 */
export const MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION = 16;

type Send = (text: string) => void;
type Report = (method: string, error: unknown) => void;

class WsSubscription implements Subscription {
  private isClosed = false;
  /** Notifications held back until the reply carrying the id is written; undefined once released. */
  private backlog: string[] | undefined = [];

  constructor(
    readonly id: string,
    private readonly notificationMethod: string,
    private readonly send: Send,
    private readonly report: Report,
    private readonly onClose: (() => void) | undefined,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  notify(result: unknown): void {
    if (this.isClosed) return;
    let text: string;
    try {
      text = `{"jsonrpc":"2.0","method":${JSON.stringify(this.notificationMethod)},"params":{"subscription":${JSON.stringify(this.id)},"result":${toJson(result)}}}`;
    } catch (error) {
      // Notifications come from chain events, where a throw would escape to a timer or emitter.
      this.report(this.notificationMethod, error);
      return;
    }
    if (this.backlog !== undefined) this.backlog.push(text);
    else this.send(text);
  }

  release(): void {
    const held = this.backlog ?? [];
    this.backlog = undefined;
    if (!this.isClosed) held.forEach(this.send);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.backlog = undefined;
    try {
      this.onClose?.();
    } catch (error) {
      this.report(this.notificationMethod, error);
    }
  }
}

export class WsConnection {
  private readonly subscriptions = new Map<string, WsSubscription>();
  /** Storage keys watched, by subscription id, and their sum. */
  private readonly watchedKeys = new Map<string, number>();
  private watchedKeysTotal = 0;
  private disconnected = false;
  /** Messages received but not yet handled, because the connection is full (see pump). */
  private readonly waiting: Buffer[] = [];
  private inFlight = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: WsConnectionOptions,
  ) {
    ws.on('message', (data) => this.onMessage(data));
    ws.on('close', () => this.onDisconnect());
    // Protocol violations (oversized frames, bad UTF-8 in text frames) are reported here and are
    // followed by 'close'; without a listener they would be thrown and take the process down.
    ws.on('error', () => {});
  }

  private readonly send: Send = (text) => {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // A client that subscribes (or keeps asking) but never reads would make every reply and
    // notification pile up in this process's memory until it dies. Past the limit such a client
    // is cut off (its subscriptions are freed on close); one large reply to a reading client
    // still goes out, since only what is already queued counts.
    const limit = this.options.maxBufferedBytes;
    if (limit !== undefined && this.ws.bufferedAmount > limit) {
      this.ws.terminate();
      return;
    }
    // A string is always sent as a text frame; polkadot.js drops the connection on binary ones.
    // The callback runs once the message has been handed to the kernel, when a connection paused
    // for its unsent replies may have drained enough to be read again (see pump).
    this.ws.send(text, this.afterWrite);
  };

  private readonly afterWrite = (): void => this.pump();

  /** Whether no more requests should be started until replies drain or handlers finish. */
  private full(): boolean {
    const pause = this.options.pauseBufferedBytes ?? DEFAULT_PAUSE_BUFFERED_BYTES;
    return this.inFlight >= MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION || this.ws.bufferedAmount > pause;
  }

  /**
   * Starts the waiting requests the connection has room for, and reads from the socket only while
   * it has room. The 64 MiB cut alone let a client that asks and never reads hold 64 MiB of
   * replies per connection (6.4 GB over 100 connections); paused, its further requests stay in
   * its own socket and TCP stops it, so it holds at most pauseBufferedBytes and the replies of the
   * requests already started. A reading client is not paused for its replies, which leave at once
   * (the kernel's buffers take them), and past 16 requests at once only waits for earlier ones.
   * Notifications still go out while paused (they were not asked for one by one); the cut stays
   * for a client whose subscriptions alone pile up.
   */
  private pump(): void {
    if (this.disconnected || this.ws.readyState !== WebSocket.OPEN) return;
    while (this.waiting.length > 0 && !this.full()) this.dispatch(this.waiting.shift()!);
    // Messages ws had already read when the socket was paused still arrive and wait in `waiting`:
    // at most what one read took from the socket.
    const stop = this.waiting.length > 0 || this.full();
    if (stop && !this.ws.isPaused) this.ws.pause();
    else if (!stop && this.ws.isPaused) this.ws.resume();
  }

  private readonly report: Report = (method, error) => {
    try {
      this.options.onInternalError?.(method, error);
    } catch {
      // Reporting is best effort.
    }
  };

  private onMessage(data: RawData): void {
    // Binary frames are accepted too, as UTF-8 text.
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (bytes.length > this.options.maxRequestBytes) {
      // Answered without being kept: the reply is small and the request may be large.
      this.send(oversizedResponse(this.options.maxRequestBytes));
      return;
    }
    this.waiting.push(bytes);
    this.pump();
  }

  private dispatch(bytes: Buffer): void {
    this.inFlight++;
    const context = {
      methods: this.options.methods,
      openScope: () => this.openScope(),
      onInternalError: this.report,
      maxResponseBytes: this.options.maxResponseBytes,
    };
    void handleMessage(bytes.toString('utf8'), context)
      .then(
        (reply) => {
          if (reply.text !== undefined) this.send(reply.text);
          reply.written();
        },
        (error: unknown) => this.report('<message>', error),
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  private openScope(): RequestScope {
    const opened: WsSubscription[] = [];
    const connection: RpcConnection = {
      transport: 'ws',
      unsafeRefusal: this.options.unsafeRefusal(),
      subscribe: (notificationMethod, onClose, watchedKeys = 0) => {
        // Every subscription costs memory and work on each new block; without a bound one socket
        // could open millions and wedge the chain for everyone. Substrate refuses the same way.
        const max = this.options.maxSubscriptions;
        if (max !== undefined && this.subscriptions.size >= max) {
          throw new RpcError(RPC_TOO_MANY_SUBSCRIPTIONS, 'Too many subscriptions on the connection', `Exceeded max limit of ${max}`);
        }
        // Each watched key is held per subscription and read on every block: 1024 subscriptions
        // of 200 keys (one 14 MB batch) took ~86 MB of heap and ~50 ms per block, so a few dozen
        // such connections would exhaust memory. Their total per connection is bounded too.
        const maxKeys = this.options.maxWatchedKeys;
        if (maxKeys !== undefined && this.watchedKeysTotal + watchedKeys > maxKeys) {
          throw new RpcError(
            RPC_TOO_MANY_SUBSCRIPTIONS,
            'Too many storage keys watched on the connection',
            `Exceeded max limit of ${maxKeys} keys (${this.watchedKeysTotal} watched, ${watchedKeys} asked for)`,
          );
        }
        const subscription = new WsSubscription(this.freshId(), notificationMethod, this.send, this.report, onClose);
        this.subscriptions.set(subscription.id, subscription);
        if (watchedKeys > 0) {
          this.watchedKeys.set(subscription.id, watchedKeys);
          this.watchedKeysTotal += watchedKeys;
        }
        opened.push(subscription);
        return subscription;
      },
      unsubscribe: (id) => this.unsubscribe(id),
    };
    return {
      connection,
      settle: (succeeded) => {
        for (const subscription of opened) {
          // A handler may finish after the client left; its subscriptions then die here.
          if (succeeded && !this.disconnected) subscription.release();
          else this.unsubscribe(subscription.id);
        }
      },
    };
  }

  private unsubscribe(id: string): boolean {
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined) return false;
    this.subscriptions.delete(id);
    this.watchedKeysTotal -= this.watchedKeys.get(id) ?? 0;
    this.watchedKeys.delete(id);
    subscription.close();
    return true;
  }

  private freshId(): string {
    // Random ids, like Substrate's, so clients cannot guess or collide with other connections'.
    let id: string;
    do id = randomBytes(8).toString('hex');
    while (this.subscriptions.has(id));
    return id;
  }

  private onDisconnect(): void {
    this.disconnected = true;
    this.waiting.length = 0;
    for (const id of [...this.subscriptions.keys()]) this.unsubscribe(id);
  }
}

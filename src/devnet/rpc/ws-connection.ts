// One WebSocket client: dispatches its messages and owns its subscriptions.

import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { handleMessage, oversizedResponse, toJson, type RequestScope } from './jsonrpc';
import type { RpcConnection, RpcMethods, Subscription } from './types';

export interface WsConnectionOptions {
  readonly methods: RpcMethods;
  readonly maxRequestBytes: number;
  readonly onInternalError?: (method: string, error: unknown) => void;
}

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
  private disconnected = false;

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
    // A string is always sent as a text frame; polkadot.js drops the connection on binary ones.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  };

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
      this.send(oversizedResponse(this.options.maxRequestBytes));
      return;
    }
    const context = {
      methods: this.options.methods,
      openScope: () => this.openScope(),
      onInternalError: this.report,
    };
    void handleMessage(bytes.toString('utf8'), context).then(
      (reply) => {
        if (reply.text !== undefined) this.send(reply.text);
        reply.written();
      },
      (error: unknown) => this.report('<message>', error),
    );
  }

  private openScope(): RequestScope {
    const opened: WsSubscription[] = [];
    const connection: RpcConnection = {
      transport: 'ws',
      subscribe: (notificationMethod, onClose) => {
        const subscription = new WsSubscription(this.freshId(), notificationMethod, this.send, this.report, onClose);
        this.subscriptions.set(subscription.id, subscription);
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
    for (const id of [...this.subscriptions.keys()]) this.unsubscribe(id);
  }
}

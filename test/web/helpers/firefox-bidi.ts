// Firefox for the browser tests, driven over WebDriver BiDi (built into Firefox; playwright-core
// needs its own patched Firefox, which cannot be downloaded here). Debian's firefox-esr with a
// fresh profile, headless. Just what the tests use: navigate, evaluate, screenshot, viewport,
// preload scripts and their messages back to Node.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

export const FIREFOX = '/usr/bin/firefox-esr';

export const firefoxSkipReason = (): string | false => (existsSync(FIREFOX) ? false : `${FIREFOX} is missing: install it with \`apt-get install -y firefox-esr\` to run the Firefox test`);

interface RemoteValue {
  type: string;
  value?: unknown;
}

export class FirefoxPage {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly #messageHandlers: ((channel: string, data: string) => void)[] = [];
  #nextId = 0;
  context = '';

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.type === 'error') pending?.reject(new Error(`${message.error}: ${message.message}`));
        else pending?.resolve(message.result);
      } else if (message.method === 'script.message') {
        const { channel, data } = message.params as { channel: string; data: RemoteValue };
        for (const handler of this.#messageHandlers) handler(channel, String(data.value));
      }
    });
  }

  send<T = any>(method: string, params: Record<string, unknown>): Promise<T> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  onMessage(handler: (channel: string, data: string) => void): void {
    this.#messageHandlers.push(handler);
  }

  /** Runs `source` (a function declaration taking a `send(string)` channel) before every page's own scripts. */
  async addPreloadScript(source: string, channel: string): Promise<void> {
    await this.send('script.addPreloadScript', { functionDeclaration: source, arguments: [{ type: 'channel', value: { channel } }] });
  }

  async navigate(url: string): Promise<void> {
    await this.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
  }

  /** Evaluates an expression in the page; strings, numbers and booleans come back as themselves. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const result = await this.send('script.evaluate', { expression, target: { context: this.context }, awaitPromise: true });
    if (result.type === 'exception') throw new Error(`in Firefox: ${result.exceptionDetails.text}`);
    return result.result.value as T;
  }

  async waitFor(expression: string, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`Firefox: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  async setViewport(width: number, height: number): Promise<void> {
    await this.send('browsingContext.setViewport', { context: this.context, viewport: { width, height } });
  }

  async screenshot(): Promise<Buffer> {
    const { data } = await this.send<{ data: string }>('browsingContext.captureScreenshot', { context: this.context, origin: 'document' });
    return Buffer.from(data, 'base64');
  }
}

export interface TestFirefox {
  readonly page: FirefoxPage;
  close(): Promise<void>;
}

export async function launchFirefox(): Promise<TestFirefox> {
  const profile = mkdtempSync(join(tmpdir(), 'hcr-firefox-'));
  const child = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const url = await bidiUrl(child);
    const ws = new WebSocket(`${url}/session`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const page = new FirefoxPage(ws);
    await page.send('session.new', { capabilities: {} });
    await page.send('session.subscribe', { events: ['script.message'] });
    const tree = await page.send<{ contexts: { context: string }[] }>('browsingContext.getTree', {});
    page.context = tree.contexts[0].context;
    return {
      page,
      async close() {
        await page.send('session.end', {}).catch(() => undefined);
        ws.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function bidiUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Firefox did not start WebDriver BiDi within 60 s:\n${output}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-10_000);
      const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`Firefox exited (${code}) before WebDriver BiDi started:\n${output}`)));
  });
}

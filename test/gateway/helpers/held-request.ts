// A request whose body stops part-way until the test lets the rest go, as a client trickling its
// bytes holds it; and a count of the gateway's push checks, to know the held request was
// authorized before the test changes something under it.
import assert from 'node:assert/strict';
import type { TestGateway } from './gateway';

/** Sends `init` to `url` with `first` as the body's start; `finish()` sends `rest` and gives the answer. */
export function heldRequest(url: string, init: RequestInit, first: Uint8Array, rest: Uint8Array): { finish(): Promise<Response> } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(first);
      await held;
      controller.enqueue(rest);
      controller.close();
    },
  });
  const answer = fetch(url, { ...init, body, duplex: 'half' } as RequestInit);
  return {
    finish: () => {
      release();
      return answer;
    },
  };
}

/** Counts the gateway's push checks (policy.permit); `grownFrom(n)` waits until one more was made. */
export function countPushChecks(t: TestGateway): { count(): number; grownFrom(before: number, what: string): Promise<void> } {
  let permits = 0;
  const policy = t.gateway.gateway.context.policy;
  const permit = policy.permit.bind(policy);
  policy.permit = async (...args: Parameters<typeof permit>) => {
    const permitted = await permit(...args);
    permits++;
    return permitted;
  };
  return {
    count: () => permits,
    async grownFrom(before, what) {
      const deadline = Date.now() + 10_000;
      while (permits <= before) {
        assert.ok(Date.now() < deadline, `the held ${what} was never checked`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

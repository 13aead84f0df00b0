// A package publish whose body stops after its first part until released: it holds one of its
// account's (or address's) upload slots for as long as a test needs.
export interface SlowPublish {
  /** Sends the rest of the body; the gateway's answer. */
  finish(): Promise<Response>;
}

export function startSlowPackagePublish(url: string, headers: Record<string, string> = {}): SlowPublish {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const encoder = new TextEncoder();
  const boundary = 'hcrboundary';
  const slow = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify({ name: 'acme/slow', version: '1.0.0' })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="slow.tgz"\r\n\r\n`));
      await held;
      controller.enqueue(encoder.encode(`slow bytes\r\n--${boundary}--\r\n`));
      controller.close();
    },
  });
  const answer = fetch(`${url}/api/packages/publish`, { method: 'POST', body: slow, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers }, duplex: 'half' } as RequestInit);
  return {
    finish: () => {
      release();
      return answer;
    },
  };
}

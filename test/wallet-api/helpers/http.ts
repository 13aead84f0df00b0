// Small HTTP helpers for the wallet API tests: JSON requests with a deadline, and a reader for
// server-sent events.
export interface JsonAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function requestJson<T = any>(url: string, init: { method?: string; body?: unknown; rawBody?: string; contentType?: string } = {}): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export const postJson = <T = any>(url: string, body: unknown) => requestJson<T>(url, { body });

/** Reads `event: status` messages from an SSE endpoint until the stream ends or `timeoutMs` passes. */
export async function readStatusEvents(url: string, timeoutMs = 60_000): Promise<{ contentType: string | null; events: any[] }> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeoutMs) });
  const events: any[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = message.split('\n');
      if (lines.includes('event: status')) events.push(JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)));
    }
  }
  return { contentType: response.headers.get('content-type'), events };
}

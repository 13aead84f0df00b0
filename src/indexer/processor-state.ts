// Waits until the processor has created its state tables (squid_processor.status), which it does
// when it connects. GraphQL's squidStatus reads them, so GraphQL is started after this.
import { Client } from 'pg';
import type { ProcessorHandle } from './processor-process';

export async function waitForProcessorState(dbUrl: string, processor: ProcessorHandle, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void processor.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the processor exited before connecting to the database:\n${processor.recentOutput()}`);
    if (await hasStateTable(dbUrl)) return;
    if (Date.now() > deadline) throw new Error(`the processor did not create its state in the database within ${timeoutMs / 1000} s:\n${processor.recentOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function hasStateTable(dbUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: dbUrl });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT to_regclass('squid_processor.status') IS NOT NULL AS present`);
    return rows[0]?.present === true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

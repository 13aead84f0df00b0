// The indexer's children (the processor, the GraphQL server, the content indexer) stop when the
// process that started them goes, however it went: a parent killed with SIGKILL (or crashed)
// runs no shutdown, and its children would otherwise live on, holding their ports and the
// database. startChild (child-process.ts) gives each child an IPC channel for this alone; the
// channel closes when the parent exits.
export function exitWithParent(): void {
  const channel = process.channel;
  if (!channel) return; // started some other way (by hand, by a supervisor): nothing to watch
  // The channel must not keep a child alive that is done (a processor run with --to).
  channel.unref();
  // The child's own SIGTERM handling stops it as a parent's stop would.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

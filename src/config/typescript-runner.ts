// How this project's own Node processes run its TypeScript: through tsx's CommonJS require hook,
// as bin/hcr.js does. `--import tsx` would also register ESM loader hooks, which Node 20 runs on
// a loader thread of their own: a second V8 heap, about 30 MB of resident memory in every
// process, for modules this CommonJS project never loads through them.
export const TYPESCRIPT_NODE_ARGS: readonly string[] = ['--require', 'tsx/cjs'];

// Builds the page into dist/web (served by the gateway at /): relative asset URLs so it works
// under any mount point, everything bundled (no CDN), one file per chunk with content hashes.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  logLevel: 'warn',
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: ['chrome111', 'firefox115', 'safari16'],
    sourcemap: true,
    // The wallet crypto (WebAssembly sr25519) makes one large chunk; that is expected.
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      onwarn(warning, warn) {
        // @polkadot/x-global places a /*#__PURE__*/ comment Rollup cannot use; harmless.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
});

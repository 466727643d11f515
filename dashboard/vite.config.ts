import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The dev server proxies the API to a running master (`lookout demo`): set LOOKOUT_MASTER to
// point elsewhere. The build is served by the master itself at `/`, so base stays `/`.
const master = process.env.LOOKOUT_MASTER ?? 'http://127.0.0.1:18080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // The budget that matters is gzipped first-page JS (<= 300 KB, issue 16); the entry is ~132 KB.
    chunkSizeWarningLimit: 450,
  },
  server: {
    proxy: { '/api': { target: master, changeOrigin: false } },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
  },
});

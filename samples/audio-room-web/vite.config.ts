import { defineConfig } from 'vite';

// Node's process, without pulling in all of Node's types for one variable.
declare const process: { env: Record<string, string | undefined> };

/**
 * The token backend serves the production build (dist/) at `/` and its API beside it, so the
 * app always calls relative URLs. In development (`npm run dev`) Vite serves the app and
 * forwards the backend's paths to it: BACKEND_URL, by default a backend on its usual port.
 */
const backend = process.env.BACKEND_URL ?? 'http://127.0.0.1:7900';

export default defineConfig({
  server: {
    proxy: {
      '/api': backend,
      '/webhooks': backend,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Browsers that can run the SDK's WebRTC code; no legacy bundle.
    target: 'es2022',
  },
});

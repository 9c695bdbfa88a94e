import { join } from 'node:path';
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

/**
 * The pages, built into dist/web, which the API serves at /. `npm run dev:web` serves them
 * with hot reload on :5173 and passes API calls through to a running API.
 */
export default defineConfig({
  root: __dirname,
  build: {
    outDir: join(__dirname, '..', '..', 'dist', 'web'),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(
      ['/sales', '/admin', '/orders', '/auth', '/health'].map((path) => [path, api]),
    ),
  },
});

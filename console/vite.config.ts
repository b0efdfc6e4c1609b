// Builds the web console into dist/console, which the service serves at /console (no server of its own).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // `npx vite console` during development: the API calls go to a service started with `npm start`.
    // With auth on, the sign-in form gets its tokens from the service's token endpoint.
    proxy: {
      '/v3': 'http://localhost:8080',
      '/_info': 'http://localhost:8080',
      '/api/auth': 'http://localhost:8080',
    },
  },
});

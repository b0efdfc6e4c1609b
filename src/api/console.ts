// Serves the web console (built by Vite into dist/console) at /console: its assets, and index.html for any client route.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

// From src/api/ (tests, tsx) the build is in dist/console; from dist/src/api/ it is two folders up.
function consoleDirectory(): string | undefined {
  for (const candidate of ['../../dist/console/', '../../console/']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${path}index.html`)) return path;
  }
  return undefined;
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const root = consoleDirectory();
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  if (root === undefined) {
    app.get('/console/*', { schema: { hide: true } }, async () => {
      throw new ApiError(404, 'NOT_FOUND', 'the console is not built: run `npm run build`');
    });
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, prefix: '/console/', wildcard: false, index: 'index.html' });
    // A client-side route (a reload on /console/payments/…) gets the app itself; missing assets stay 404s.
    scope.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
      if (request.url.startsWith('/console/assets/')) {
        throw new ApiError(404, 'NOT_FOUND', `no console asset ${request.url}`);
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
    });
  });
}

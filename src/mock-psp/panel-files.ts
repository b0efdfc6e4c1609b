// Serves the browser admin panel: `/` is its index.html and `/panel/<file>` any plain file name in its folder.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFoundError } from './errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file name without any directory part: nothing outside the panel folder can be named. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

// Running from dist/, the panel stays in src/ (it ships in the package); from src/ it sits beside us.
function panelDirectory(): string | undefined {
  for (const candidate of ['./panel/', '../../../src/mock-psp/panel/']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

export async function panelRoutes(app: FastifyInstance): Promise<void> {
  const directory = panelDirectory();

  async function sendFile(reply: FastifyReply, name: string) {
    if (directory === undefined || !PLAIN_NAME.test(name) || name.includes('..')) {
      throw notFoundError(`panel file ${name} not found`);
    }
    let content: Buffer;
    try {
      content = await readFile(join(directory, name));
    } catch {
      throw notFoundError(`panel file ${name} not found`);
    }
    return reply
      .type(CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(content);
  }

  app.get('/', async (_request, reply) => sendFile(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/panel/:file', async (request, reply) =>
    sendFile(reply, request.params.file),
  );
}

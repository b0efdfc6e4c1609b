// A minimal integration service behind the Generic contract, for benchmarks that need a Generic connector
// and no data from polling: every listing is empty, and `POST /webhooks` hands out one fixed registration.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRegistration {
  id: string;
  url: string;
  /** `whsec_` + base64 of 32 bytes, as the contract's services issue them. */
  secret: string;
  createdAt: string;
}

export interface FakeIntegration {
  url: string;
  /** The signing secret every registration gets. */
  secret: string;
  /** The registration the connector made, once it has made one. */
  registration(): WebhookRegistration | undefined;
  /** Requests answered, by `METHOD /path` (query left out). */
  requests(): Record<string, number>;
  stop(): Promise<void>;
}

const LISTINGS = new Set(['/accounts', '/beneficiaries', '/transactions']);

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeIntegration(): Promise<FakeIntegration> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let registration: WebhookRegistration | undefined;
  const counts: Record<string, number> = {};

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const key = `${request.method} ${path}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (request.method === 'GET' && LISTINGS.has(path)) return send(response, 200, []);
    if (request.method === 'POST' && path === '/webhooks') {
      void readText(request).then((text) => {
        const url = (JSON.parse(text) as { url?: unknown }).url;
        if (typeof url !== 'string') return send(response, 400, { Title: 'url is required' });
        // Registering again answers the same registration, as the contract requires.
        if (registration?.url === url) return send(response, 200, registration);
        registration = { id: 'wh_bench', url, secret, createdAt: new Date().toISOString() };
        return send(response, 201, registration);
      });
      return;
    }
    if (request.method === 'DELETE' && path.startsWith('/webhooks/')) {
      response.writeHead(204).end();
      return;
    }
    send(response, 404, { Title: 'not found', Detail: key });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    registration: () => registration,
    requests: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// A tiny webhook receiver for tests of the simulator's push webhooks: records every POST and answers as told.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookEventBody } from './mock-psp-harness.js';

export interface ReceivedWebhook {
  /** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, and the rest. */
  headers: Record<string, string>;
  id: string;
  /** The exact body, as the signature covers it. */
  body: string;
  event: WebhookEventBody;
  receivedAtMs: number;
}

/** Decides the status of an answer (possibly late); `seen` counts earlier POSTs with the same webhook-id. */
export type WebhookAnswer = (webhook: ReceivedWebhook, seen: number) => number | Promise<number>;

export interface WebhookReceiver {
  /** Where to register, e.g. `http://127.0.0.1:41234/hooks`. */
  url: string;
  /** Every POST, in arrival order, whatever it was answered. */
  readonly received: ReceivedWebhook[];
  answerWith(answer: WebhookAnswer): void;
  /** Resolves once `done(received)` holds, or throws after `timeoutMs` with what arrived. */
  waitFor(done: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answer: WebhookAnswer = () => 200;

  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const id = headers['webhook-id'] ?? '';
      const seen = received.filter((webhook) => webhook.id === id).length;
      let event: WebhookEventBody;
      try {
        event = JSON.parse(body) as WebhookEventBody;
      } catch {
        event = { type: '<not JSON>', createdAt: '', data: body };
      }
      const webhook: ReceivedWebhook = { headers, id, body, event, receivedAtMs: Date.now() };
      received.push(webhook);
      const wanted = request.method === 'POST' && request.url === path;
      response.statusCode = wanted ? await answer(webhook, seen) : 404;
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answerWith(next) {
      answer = next;
    },
    async waitFor(done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline) {
          const summary = received.map((webhook) => `${webhook.event.type} ${webhook.id}`).join('\n  ');
          throw new Error(`the expected webhooks did not arrive in ${timeoutMs} ms; received:\n  ${summary}`);
        }
        await sleep(20);
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

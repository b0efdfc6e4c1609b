// A fake PSP at the HTTP boundary that records every request it gets (path and credentials), for the
// tests of where connectors send their secrets, and a kit-style connector (an `endpoint` field) to point at it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { FetchNextRequest, FetchNextResponse, PspAccount } from '../../src/connectors/sdk/contract.js';
import type { PspFetch } from '../../src/connectors/sdk/context.js';
import { pspRequest } from '../../src/connectors/sdk/http.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import {
  findConnector,
  registerConnector,
  secret,
  secretDestination,
} from '../../src/connectors/sdk/registry.js';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The Authorization header (Generic sends `Bearer <apiKey>`). */
  authorization?: string;
  /** The x-api-key header (the kit connector below sends its key there). */
  apiKey?: string;
}

export interface RecordingPsp {
  url: string;
  port: number;
  /** Every request so far, in arrival order. */
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * Records each request, then answers with `answer` (default: an empty JSON list, which every Generic
 * listing and the kit connector read as "nothing new"). A view of the connector kit's fake PSP server.
 */
export async function startRecordingPsp(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]'),
): Promise<RecordingPsp> {
  const psp = await FakePsp.start();
  psp.route('*', '/*', { raw: answer });
  return {
    url: psp.url,
    port: Number(new URL(psp.url).port),
    get requests() {
      return psp.requests.map((request) => {
        const apiKey = request.headers['x-api-key'];
        return {
          method: request.method,
          path: request.target,
          ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
          ...(apiKey !== undefined ? { apiKey } : {}),
        };
      });
    },
    stop: () => psp.stop(),
  };
}

/** Answers only requests that carry `Bearer <key>` (Generic) or `x-api-key: <key>` (kit), 401 otherwise. */
export function acceptingKey(key: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const ok = req.headers.authorization === `Bearer ${key}` || req.headers['x-api-key'] === key;
    if (ok) res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    else res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}');
  };
}

/** Where the kit connector goes when its config names no endpoint: its region's default host. */
export const KIT_DEFAULT_HOST = (region: string) => `https://api-${region}.kitpsp.invalid`;

export const kitConfig = z.object({
  apiKey: secret(z.string().min(1)),
  // The kit's convention: an optional PSP base URL; left out, the connector's default applies.
  endpoint: z.url().optional(),
  // Picks the default host, so it decides where the key goes: marked as such.
  region: secretDestination(z.enum(['eu', 'us']).optional()),
  // Decides nothing about where requests go.
  label: z.string().optional(),
  /** Whether install checks the key at the PSP (GET /me), as many real connectors do. */
  checkAtInstall: z.boolean().optional(),
});

/** A connector in the shape the connector kit gives them: an API key in a header, an `endpoint`. */
class KitPsp extends BaseConnector {
  private readonly base: string;
  constructor(
    private readonly config: z.infer<typeof kitConfig>,
    private readonly fetch: PspFetch,
  ) {
    super();
    this.base = (config.endpoint ?? KIT_DEFAULT_HOST(config.region ?? 'eu')).replace(/\/+$/, '');
  }
  async install() {
    if (this.config.checkAtInstall) await this.call('/me');
    return {
      workflow: [{ type: 'FETCH_ACCOUNTS' as const, name: 'accounts', periodic: true, children: [] }],
    };
  }
  override async fetchNextAccounts(_request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    const body = await this.call('/accounts');
    if (!Array.isArray(body)) throw new Error(`GET /accounts answered ${JSON.stringify(body)}`);
    return { items: [], newState: {}, hasMore: false };
  }
  private call(path: string) {
    return pspRequest(this.fetch, `${this.base}${path}`, { headers: { 'x-api-key': this.config.apiKey } });
  }
}

/** Registers the kit connector as `kitpsp` (once per test process). */
export function registerKitPsp(): void {
  if (findConnector('kitpsp')) return;
  registerConnector({
    provider: 'kitpsp',
    capabilities: ['FETCH_ACCOUNTS'],
    config: kitConfig,
    pageSize: 10,
    create: (config, context) => new KitPsp(config, context.fetch),
  });
}

// Drives the Generic PSP simulator's admin API from tests and benchmarks (one tenant per API key).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  type AdminTransaction,
  type CreatedWebhookRegistrationBody,
  type PspClient,
  pspClient,
  type WebhookDeliveryBody,
  type WebhookRegistrationBody,
  type WebhookStatsBody,
} from './mock-psp-harness.js';

/** A transaction as the admin API lists it: the contract's shape plus the lifecycle steps allowed now. */
export type SimTransaction = AdminTransaction;

export interface SimAccount {
  id: string;
  accountName: string;
  createdAt: string;
  currency: string;
  metadata: Record<string, string>;
  balances: { currency: string; amount: string }[];
}

export interface SimBeneficiary {
  id: string;
  ownerName: string;
  createdAt: string;
  metadata: Record<string, string>;
}

export interface SimFaults {
  latencyMs?: number;
  answerDelayMs?: number;
  errorRate?: number;
  rateLimit?: { requestsPerSecond: number; retryAfterSeconds?: number };
  ignoreFilters?: boolean;
  secondPrecisionFilters?: boolean;
  maxPageSize?: number;
  webhookDuplicates?: number;
  webhookReorder?: boolean;
  webhookFailRate?: number;
}

export interface SimStats {
  requests: number;
  byEndpoint: Record<string, number>;
  injectedErrors: number;
  rateLimited: number;
  webhooks?: WebhookStatsBody;
}

/** The admin API of one tenant, typed; any answer that is not a success throws. */
export class MockPspTenant {
  private readonly client: PspClient;

  constructor(
    readonly url: string,
    readonly apiKey: string,
  ) {
    this.client = pspClient(url, apiKey);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.client.request<T>(method, path, body);
    if (response.status >= 400) {
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  createAccount(input: {
    accountName: string;
    currency: string;
    initialBalance?: string;
    metadata?: Record<string, string>;
  }) {
    return this.call<SimAccount>('POST', '/admin/accounts', input);
  }
  createBeneficiary(input: { ownerName: string; metadata?: Record<string, string> }) {
    return this.call<SimBeneficiary>('POST', '/admin/beneficiaries', input);
  }
  createTransaction(input: Record<string, unknown>) {
    return this.call<SimTransaction>('POST', '/admin/transactions', input);
  }
  generate(count: number, options: { types?: string[]; clusterSize?: number } = {}) {
    return this.call<{ generated: number }>('POST', '/admin/transactions/generate', { count, ...options });
  }
  step(id: string, action: string, amount?: string) {
    return this.call<{ transaction: SimTransaction; created?: SimTransaction }>(
      'POST',
      `/admin/transactions/${encodeURIComponent(id)}/${action}`,
      amount === undefined ? {} : { amount },
    );
  }
  accounts() {
    return this.call<SimAccount[]>('GET', '/admin/accounts');
  }
  beneficiaries() {
    return this.call<SimBeneficiary[]>('GET', '/admin/beneficiaries');
  }
  transactions() {
    return this.call<SimTransaction[]>('GET', '/admin/transactions');
  }
  setFaults(faults: SimFaults) {
    return this.call<SimFaults>('PUT', '/admin/faults', faults);
  }
  stats() {
    return this.call<SimStats>('GET', '/admin/stats');
  }
  resetStats() {
    return this.call<unknown>('DELETE', '/admin/stats');
  }
  registerWebhook(url: string) {
    return this.call<CreatedWebhookRegistrationBody>('POST', '/webhooks', { url });
  }
  deleteWebhook(id: string) {
    return this.call<unknown>('DELETE', `/webhooks/${encodeURIComponent(id)}`);
  }
  webhooks() {
    return this.call<WebhookRegistrationBody[]>('GET', '/admin/webhooks');
  }
  webhookDeliveries() {
    return this.call<WebhookDeliveryBody[]>('GET', '/admin/webhooks/deliveries');
  }
}

/**
 * Runs the simulator as its own process (the built CLI), so that heavy tests and benchmarks do not
 * share one event loop between the simulator and Paybridge.
 */
export async function spawnMockPsp(): Promise<{ url: string; stop(): Promise<void> }> {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [builtCli(main), 'mock-psp', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`mock-psp exited with ${code}: ${out}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The compiled CLI, whether this module runs from the sources (tests) or from dist (benchmarks). */
function builtCli(candidate: string): string {
  return candidate.includes('/dist/')
    ? candidate
    : candidate.replace(/\/src\/cli\/main\.js$/, '/dist/src/cli/main.js');
}

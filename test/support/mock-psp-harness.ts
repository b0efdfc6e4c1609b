// A small JSON client for a running simulator (one API key per client) and the response shapes it reads.

export interface PspResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface PspClient {
  readonly apiKey: string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<PspResponse<T>>;
  get<T = unknown>(path: string): Promise<PspResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<PspResponse<T>>;
  put<T = unknown>(path: string, body?: unknown): Promise<PspResponse<T>>;
  delete<T = unknown>(path: string): Promise<PspResponse<T>>;
}

/** A client that sends `Authorization: Bearer <apiKey>`; bodies are parsed as JSON when they are JSON. */
export function pspClient(baseUrl: string, apiKey: string): PspClient {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<PspResponse<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    return {
      status: response.status,
      headers: response.headers,
      body: (isJson && text !== '' ? JSON.parse(text) : text) as T,
    };
  };
  return {
    apiKey,
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    delete: (path) => request('DELETE', path),
  };
}

export interface ErrorBody {
  Title: string;
  Detail: string;
}

export interface ContractAccount {
  id: string;
  accountName: string;
  createdAt: string;
  metadata: Record<string, string>;
}

export interface AdminAccount extends ContractAccount {
  currency: string;
  balances: Array<{ currency: string; amount: string }>;
}

export interface ContractBeneficiary {
  id: string;
  ownerName: string;
  createdAt: string;
  metadata: Record<string, string>;
}

export interface ContractBalances {
  id: string;
  accountID: string;
  at: string;
  balances: Array<{ amount: string; currency: string }>;
}

export interface ContractTransaction {
  id: string;
  relatedTransactionID?: string;
  createdAt: string;
  updatedAt: string;
  currency: string;
  scheme?: string;
  type: string;
  status: string;
  amount: string;
  sourceAccountID?: string;
  destinationAccountID?: string;
  metadata: Record<string, string>;
}

export interface AdminTransaction extends ContractTransaction {
  actions: string[];
}

export interface InitiationObject {
  idempotencyKey: string;
  amount: string;
  currency: string;
  sourceAccountId: string;
  destinationAccountId: string;
  description?: string;
  metadata?: Record<string, string>;
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface StepResponse {
  transaction: AdminTransaction;
  created?: AdminTransaction;
}

export interface WebhookStatsBody {
  messages: number;
  attempts: number;
  delivered: number;
  failed: number;
  duplicates: number;
  injectedFailures: number;
}

export interface StatsBody {
  requests: number;
  byEndpoint: Record<string, number>;
  injectedErrors: number;
  rateLimited: number;
  webhooks?: WebhookStatsBody;
}

/** A webhook registration as GET /webhooks lists it. */
export interface WebhookRegistrationBody {
  id: string;
  url: string;
  createdAt: string;
}

/** The answer to POST /webhooks: the only time the secret is shown. */
export interface CreatedWebhookRegistrationBody extends WebhookRegistrationBody {
  secret: string;
}

/** One message to one registration, as GET /admin/webhooks/deliveries lists it. */
export interface WebhookDeliveryBody {
  id: string;
  webhookId: string;
  type: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  lastError?: string;
  deliveredAt?: string;
}

/** A pushed webhook's body. */
export interface WebhookEventBody<T = unknown> {
  type: string;
  createdAt: string;
  data: T;
}

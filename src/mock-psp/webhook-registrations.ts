// A tenant's webhook registrations: the URLs its changes are pushed to, each with its own signing secret.
import { randomBytes } from 'node:crypto';

export interface WebhookRegistration {
  id: string;
  /** The URL exactly as the client registered it. */
  url: string;
  /** `whsec_` and the base64 of 32 random bytes, the Standard Webhooks secret format. */
  secret: string;
  createdAtMs: number;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function registrationId(): string {
  let suffix = '';
  for (const byte of randomBytes(10)) suffix += ID_ALPHABET[byte % 36];
  return `wh_${suffix}`;
}

/** Two spellings of one URL (`HTTP://Host:80` and `http://host/`) are one registration. */
function urlKey(url: string): string {
  return new URL(url).href;
}

export class WebhookRegistrations {
  private readonly byId = new Map<string, WebhookRegistration>();
  private readonly byUrl = new Map<string, WebhookRegistration>();

  get size(): number {
    return this.byId.size;
  }

  /** Registers a URL, or returns its existing registration (`created: false`), so a retried call is harmless. */
  register(url: string, nowMs: number): { registration: WebhookRegistration; created: boolean } {
    const existing = this.byUrl.get(urlKey(url));
    if (existing) return { registration: existing, created: false };
    const registration: WebhookRegistration = {
      id: registrationId(),
      url,
      secret: `whsec_${randomBytes(32).toString('base64')}`,
      createdAtMs: nowMs,
    };
    this.restore(registration);
    return { registration, created: true };
  }

  /** Puts back a registration from the data file, with its id and secret. */
  restore(registration: WebhookRegistration): void {
    this.byId.set(registration.id, registration);
    this.byUrl.set(urlKey(registration.url), registration);
  }

  get(id: string): WebhookRegistration | undefined {
    return this.byId.get(id);
  }

  remove(id: string): WebhookRegistration | undefined {
    const registration = this.byId.get(id);
    if (!registration) return undefined;
    this.byId.delete(id);
    this.byUrl.delete(urlKey(registration.url));
    return registration;
  }

  /** In registration order. */
  list(): WebhookRegistration[] {
    return [...this.byId.values()];
  }
}

// Connector registration: each connector folder calls registerConnector once; the engine looks providers up here.
import { z } from 'zod';
import type { Capability } from './capabilities.js';
import type { ConnectorContext } from './context.js';
import type { Connector, TaskType, WebhookIntake } from './contract.js';

export type { ConnectorContext } from './context.js';

/** Marks config fields that hold secrets: they are encrypted at rest and masked in every API answer. */
export const secretFields = z.registry<{ secret: true }>();

export function secret<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema, { secret: true });
  return schema;
}

/**
 * Marks config fields that decide where the connector sends its secrets (a region that picks the PSP's
 * host, a token URL, …). A field named `endpoint` (the PSP's base URL) is one by convention, unmarked.
 * A config update that changes any of them must carry every secret again: the mask that otherwise keeps
 * a stored secret is refused, so a stored key cannot be redirected to a host of the caller's choosing.
 * With PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW set, each of them must name an allowed host.
 */
export const destinationFields = z.registry<{ destination: true }>();

export function secretDestination<T extends z.ZodType>(schema: T): T {
  destinationFields.add(schema, { destination: true });
  return schema;
}

/**
 * Marks config fields that hold text of several lines (a PEM key, a certificate): the configs catalogue
 * calls them `long string`, and the console gives them a text area, which keeps their line breaks.
 */
export const multilineFields = z.registry<{ multiline: true }>();

export function multiline<T extends z.ZodType>(schema: T): T {
  multilineFields.add(schema, { multiline: true });
  return schema;
}

export interface ConnectorRegistration<Shape extends z.ZodRawShape = z.ZodRawShape> {
  /** Lower-case provider id, as it appears in URLs and connector ids. */
  provider: string;
  capabilities: Capability[];
  /** The connector's own config fields; the engine adds `name`, `pollingPeriod`, `pageSize` and `provider`. */
  config: z.ZodObject<Shape>;
  /** Default and maximum page size for this PSP. */
  pageSize: number;
  /**
   * A test double (DummyPay): hidden from the configs and capabilities catalogs, and refused at install
   * and config update, unless the service runs in debug mode (PAYBRIDGE_DEBUG=true).
   */
  hidden?: boolean;
  /**
   * `false` for a connector that makes no HTTP call at all (DummyPay reads files). Every other
   * connector reaches its PSP through `context.fetch` and has an `endpoint` config field
   * (`endpointField` in config.ts, or a required URL when there is no default host, as for Generic);
   * the conformance suite checks it.
   */
  http?: false;
  /**
   * How its webhooks are verified and which methods they use. Without it: `network` (stored within the
   * unverified cap, verified by the job, never by a request), POST only. Declare `local` when
   * `verifyWebhook` makes no network call: forged deliveries are then refused before anything is stored.
   */
  webhooks?: WebhookIntake;
  /**
   * The shape of each task type's state (the `newState` its fetches return, `state` in the next
   * request). The engine validates the state it reads back and hands the connector the schema's
   * output; a state the schema refuses (an upgrade changed the shape) restarts that task from
   * scratch (state undefined) with a warning on the run and in the log, instead of failing every run.
   * Task types without a schema get the stored state as it is. Keep a schema able to read what it
   * wrote after a JSON round trip (ISO strings, not Dates, unless it coerces them back).
   *
   * ```ts
   * state: { FETCH_PAYMENTS: z.object({ createdAfter: z.string(), cursor: z.string().optional() }) },
   * ```
   */
  state?: Partial<Record<TaskType, z.ZodType>>;
  create(config: z.infer<z.ZodObject<Shape>>, context: ConnectorContext): Connector;
}

const registrations = new Map<string, ConnectorRegistration>();

export function registerConnector<Shape extends z.ZodRawShape>(
  registration: ConnectorRegistration<Shape>,
): void {
  const provider = registration.provider.toLowerCase();
  if (registrations.has(provider)) throw new Error(`connector ${provider} is registered twice`);
  registrations.set(provider, { ...(registration as unknown as ConnectorRegistration), provider });
}

/** The webhook declaration of a registration, with its defaults filled in. */
export function webhookIntakeOf(
  registration: ConnectorRegistration,
): Required<Omit<WebhookIntake, 'acknowledgement'>> & Pick<WebhookIntake, 'acknowledgement'> {
  return {
    verification: registration.webhooks?.verification ?? 'network',
    methods: ['POST', ...(registration.webhooks?.methods ?? []).filter((m) => m !== 'POST')],
    acknowledgement: registration.webhooks?.acknowledgement,
  };
}

export function findConnector(provider: string): ConnectorRegistration | undefined {
  return registrations.get(provider.toLowerCase());
}

export function listConnectors(): ConnectorRegistration[] {
  return [...registrations.values()].sort((a, b) => a.provider.localeCompare(b.provider));
}

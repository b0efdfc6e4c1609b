// Builds a live connector from its registration and decrypted stored config, with the engine's fetch (policy, budget, metrics, logs).
import type { Logger } from 'pino';
import { z } from 'zod';
import { type ConnectorContext, type PspFetch, systemClock } from '../../connectors/sdk/context.js';
import type { Connector } from '../../connectors/sdk/contract.js';
import { InvalidConfigError } from '../../connectors/sdk/errors.js';
import { policedFetch, redactedTarget } from '../../connectors/sdk/fetch.js';
import { type OutboundCall, redactedError, withOutboundCall } from '../../connectors/sdk/outbound.js';
import { type ConnectorRegistration, findConnector } from '../../connectors/sdk/registry.js';
import { parseJson } from '../../domain/json.js';
import { pspRequestSeconds, pspRequests } from '../../observability/metrics.js';
import type { Keyring } from '../../security/encryption.js';
import type { Db } from '../../storage/db.js';
import { takeCall } from '../../storage/call-budget.js';
import { secretValuesOf } from './connector-config.js';
import type { ConnectorPolicy } from '../deps.js';

export function registrationOf(provider: string): ConnectorRegistration {
  const registration = findConnector(provider);
  if (!registration) throw new InvalidConfigError(`unknown connector provider '${provider}'`);
  return registration;
}

/**
 * The connector as the engine uses it: every operation runs as one outbound call (see outbound.ts), so
 * its PSP requests obey the policy, and an error after a request to an internal host reaches the engine
 * (and from there the API) with a generic message, the detail going to the log. This is the one place
 * connectors are built, so no operation and no connector escapes it.
 */
function underPolicy(connector: Connector, policy: ConnectorPolicy, logger: Logger): Connector {
  return new Proxy(connector, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const call: OutboundCall = { policy: policy.outbound, hidden: false, answered: false };
        try {
          return await withOutboundCall(call, async () => (await value.apply(target, args)) as unknown);
        } catch (error) {
          const redacted = redactedError(error, call);
          if (redacted !== error) {
            logger.warn(
              { err: error, operation: String(key) },
              'PSP call to an internal address failed; API callers see a generic message',
            );
          }
          throw redacted;
        }
      };
    },
  });
}

/** The per-connector PSP call budget (connector_call_budgets). */
export interface CallBudget {
  db: Db;
  /** The connector row's calls_per_second; null: no limit. */
  callsPerSecond: number | null;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The fetch the engine gives every connector: the outbound policy, then one call from the connector's
 * budget, per HTTP request; each exchange counted (requests by method and status class, a duration
 * histogram) and logged at debug with method, host, redacted path, status and duration only.
 */
function engineFetch(f: {
  provider: string;
  connectorId: string;
  logger: Logger;
  secrets: readonly string[];
  budget: CallBudget | undefined;
}): PspFetch {
  const { budget } = f;
  const callsPerSecond = budget?.callsPerSecond ?? null;
  return policedFetch((input, init) => fetch(input, init), {
    before:
      budget && callsPerSecond !== null
        ? () => takeCall(budget.db, f.connectorId, callsPerSecond)
        : undefined,
    exchange({ method, url, status, durationMs }) {
      const label = HTTP_METHODS.has(method) ? method : 'OTHER';
      const labels = { provider: f.provider, connector: f.connectorId, method: label };
      pspRequests.inc({
        ...labels,
        status_class: status === undefined ? 'error' : `${Math.floor(status / 100)}xx`,
      });
      pspRequestSeconds.observe(labels, durationMs / 1000);
      // Redaction scans the URL for every secret: only when the line is written.
      if (!f.logger.isLevelEnabled('debug')) return;
      f.logger.debug(
        {
          method: label,
          host: url.host,
          path: redactedTarget(url, f.secrets),
          status: status ?? null,
          durationMs: Math.round(durationMs),
        },
        'PSP exchange',
      );
    },
  });
}

/**
 * Builds the live connector. `budget` is the stored connector's call budget; leave it out only for a
 * connector that is not stored yet (the install check), whose budget row cannot exist.
 */
export function instantiate(
  registration: ConnectorRegistration,
  connectorConfig: Record<string, unknown>,
  connectorId: string,
  logger: Logger,
  policy: ConnectorPolicy,
  budget?: CallBudget,
): Connector {
  // The connector sees only its own fields, parsed by its own schema (engine fields are stripped).
  const config = z.object(registration.config.shape).parse(connectorConfig);
  const connectorLogger = logger.child({ connectorId });
  const context: ConnectorContext = {
    connectorId,
    logger: connectorLogger,
    fetch: engineFetch({
      provider: registration.provider,
      connectorId,
      logger: connectorLogger,
      secrets: secretValuesOf(registration, config),
      budget,
    }),
    clock: systemClock,
    fileRoot: policy.fileRoot,
  };
  return underPolicy(registration.create(config, context), policy, context.logger);
}

export function decryptConfig(keyring: Keyring, sealed: string): Record<string, unknown> {
  return parseJson(keyring.decrypt(sealed)) as Record<string, unknown>;
}

/** The live connector of a stored row: its registration, with its config decrypted, under its call budget. */
export function openConnector(
  deps: { db: Db; keyring: Keyring; connectors: ConnectorPolicy },
  row: { provider: string; config_encrypted: string; calls_per_second: number | null },
  connectorId: string,
  logger: Logger,
): Connector {
  return instantiate(
    registrationOf(row.provider),
    decryptConfig(deps.keyring, row.config_encrypted),
    connectorId,
    logger,
    deps.connectors,
    { db: deps.db, callsPerSecond: row.calls_per_second },
  );
}

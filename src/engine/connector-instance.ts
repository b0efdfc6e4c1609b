// Builds a live connector from its registration and decrypted stored config, under the outbound policy.
import type { Logger } from 'pino';
import { z } from 'zod';
import { type ConnectorContext, systemClock } from '../connectors/sdk/context.js';
import type { Connector } from '../connectors/sdk/contract.js';
import { InvalidConfigError } from '../connectors/sdk/errors.js';
import { type OutboundCall, redactedError, withOutboundCall } from '../connectors/sdk/outbound.js';
import { type ConnectorRegistration, findConnector } from '../connectors/sdk/registry.js';
import { parseJson } from '../domain/json.js';
import type { Keyring } from '../security/encryption.js';
import type { ConnectorPolicy } from './deps.js';

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

export function instantiate(
  registration: ConnectorRegistration,
  connectorConfig: Record<string, unknown>,
  connectorId: string,
  logger: Logger,
  policy: ConnectorPolicy,
): Connector {
  // The connector sees only its own fields, parsed by its own schema (engine fields are stripped).
  const config = z.object(registration.config.shape).parse(connectorConfig);
  const context: ConnectorContext = {
    connectorId,
    logger: logger.child({ connectorId }),
    // Replaced by the instrumented fetch (metrics, call budget, redacted logging) in the kit work.
    fetch: (input, init) => fetch(input, init),
    clock: systemClock,
    fileRoot: policy.fileRoot,
  };
  return underPolicy(registration.create(config, context), policy, context.logger);
}

export function decryptConfig(keyring: Keyring, sealed: string): Record<string, unknown> {
  return parseJson(keyring.decrypt(sealed)) as Record<string, unknown>;
}

/** The live connector of a stored row: its registration, with its config decrypted. */
export function openConnector(
  deps: { keyring: Keyring; connectors: ConnectorPolicy },
  row: { provider: string; config_encrypted: string },
  connectorId: string,
  logger: Logger,
): Connector {
  return instantiate(
    registrationOf(row.provider),
    decryptConfig(deps.keyring, row.config_encrypted),
    connectorId,
    logger,
    deps.connectors,
  );
}

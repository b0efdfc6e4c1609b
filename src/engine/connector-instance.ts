// Builds a live connector from its registration and decrypted stored config.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Connector } from '../connectors/sdk/contract.js';
import { InvalidConfigError } from '../connectors/sdk/errors.js';
import { type ConnectorRegistration, findConnector } from '../connectors/sdk/registry.js';
import { parseJson } from '../domain/json.js';
import type { Keyring } from '../security/encryption.js';

export function registrationOf(provider: string): ConnectorRegistration {
  const registration = findConnector(provider);
  if (!registration) throw new InvalidConfigError(`unknown connector provider '${provider}'`);
  return registration;
}

export function instantiate(
  registration: ConnectorRegistration,
  connectorConfig: Record<string, unknown>,
  connectorId: string,
  logger: Logger,
): Connector {
  // The connector sees only its own fields, parsed by its own schema (engine fields are stripped).
  const config = z.object(registration.config.shape).parse(connectorConfig);
  return registration.create(config, { connectorId, logger: logger.child({ connectorId }) });
}

export function decryptConfig(keyring: Keyring, sealed: string): Record<string, unknown> {
  return parseJson(keyring.decrypt(sealed)) as Record<string, unknown>;
}

/** The live connector of a stored row: its registration, with its config decrypted. */
export function openConnector(
  keyring: Keyring,
  row: { provider: string; config_encrypted: string },
  connectorId: string,
  logger: Logger,
): Connector {
  return instantiate(
    registrationOf(row.provider),
    decryptConfig(keyring, row.config_encrypted),
    connectorId,
    logger,
  );
}

// Builds a Column connector against a fresh fake Column, for this folder's unit tests.
import { pino, type Logger } from 'pino';
import { standaloneContext } from '../sdk/context.js';
import type { PspFetch } from '../sdk/context.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { columnConfig } from './config.js';
import { ColumnConnector } from './connector.js';
import { configFor, newWorld, serveColumn, type ColumnWorld } from './fake.js';

export interface Harness {
  psp: FakePsp;
  world: ColumnWorld;
  connector: ColumnConnector;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    apiKey?: string;
    logger?: Logger;
    /** Wraps the fake's fetch (to lose an answer, say). */
    fetch?: (inner: PspFetch) => PspFetch;
  } = {},
): Promise<Harness> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveColumn(psp, world);
  const config = columnConfig.parse({
    ...configFor(psp, world),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const connector = new ColumnConnector(
    config,
    standaloneContext({
      connectorId: 'column-test',
      logger: options.logger ?? pino({ level: 'silent' }),
      fetch: options.fetch ? options.fetch(psp.fetch) : psp.fetch,
    }),
  );
  return { psp, world, connector, close: () => psp.stop() };
}

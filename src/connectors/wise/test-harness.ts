// Builds a Wise connector against a fresh fake Wise, for this folder's unit tests.
import { pino } from 'pino';
import { standaloneContext, type Clock } from '../sdk/context.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { wiseConfig } from './config.js';
import { WiseConnector } from './connector.js';
import { configFor, newKeyPair, newWorld, serveWise, type WiseWorld } from './fake.js';

const KEYS = newKeyPair();

export interface Harness {
  psp: FakePsp;
  world: WiseWorld;
  connector: WiseConnector;
  close(): Promise<void>;
}

export async function startHarness(
  options: { clock?: Clock; config?: Record<string, string | undefined>; fetch?: FakePsp['fetch'] } = {},
): Promise<Harness> {
  const psp = await FakePsp.start();
  const world = newWorld(KEYS);
  serveWise(psp, world);
  const merged = { ...configFor(psp, world), ...(options.config ?? {}) };
  // An override set to undefined removes the field (the default applies).
  const config = wiseConfig.parse(
    Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
  );
  const connector = new WiseConnector(
    config,
    standaloneContext({
      connectorId: 'wise-test',
      logger: pino({ level: 'silent' }),
      fetch: options.fetch ?? psp.fetch,
      ...(options.clock ? { clock: options.clock } : {}),
    }),
  );
  return { psp, world, connector, close: () => psp.stop() };
}

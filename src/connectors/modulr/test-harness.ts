// Builds a Modulr connector against a fresh fake Modulr, for this folder's unit tests.
import { pino } from 'pino';
import { type Clock, type PspFetch, standaloneContext } from '../sdk/context.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { modulrConfig } from './config.js';
import { ModulrConnector } from './connector.js';
import { configFor, type ModulrWorld, newWorld, serveModulr } from './fake.js';

export interface Harness {
  psp: FakePsp;
  world: ModulrWorld;
  connector: ModulrConnector;
  /** Another connector on the same fake: a restarted process, say. */
  another(): ModulrConnector;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    clock?: Clock;
    config?: Record<string, string | undefined>;
    fetch?: (psp: FakePsp) => PspFetch;
  } = {},
): Promise<Harness> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveModulr(psp, world);
  const merged = { ...configFor(psp, world), ...(options.config ?? {}) };
  // An override set to undefined removes the field (the default applies).
  const config = modulrConfig.parse(
    Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
  );
  const build = () =>
    new ModulrConnector(
      config,
      standaloneContext({
        connectorId: 'modulr-test',
        logger: pino({ level: 'silent' }),
        fetch: options.fetch ? options.fetch(psp) : psp.fetch,
        ...(options.clock ? { clock: options.clock } : {}),
      }),
    );
  return { psp, world, connector: build(), another: build, close: () => psp.stop() };
}

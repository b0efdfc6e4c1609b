// Builds a Currencycloud connector against a fresh fake Currencycloud, for this folder's unit tests.
import { pino } from 'pino';
import { standaloneContext, type Clock } from '../sdk/context.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { currencycloudConfig } from './config.js';
import { CurrencycloudConnector } from './connector.js';
import { configFor, type CurrencycloudWorld, newWorld, serveCurrencycloud } from './fake.js';

export interface Harness {
  psp: FakePsp;
  world: CurrencycloudWorld;
  connector: CurrencycloudConnector;
  close(): Promise<void>;
}

export async function startHarness(
  options: { clock?: Clock; config?: Record<string, string>; fetch?: FakePsp['fetch'] } = {},
): Promise<Harness> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveCurrencycloud(psp, world);
  const config = currencycloudConfig.parse({ ...configFor(psp, world), ...(options.config ?? {}) });
  const connector = new CurrencycloudConnector(
    config,
    standaloneContext({
      connectorId: 'currencycloud-test',
      logger: pino({ level: 'silent' }),
      fetch: options.fetch ?? psp.fetch,
      ...(options.clock ? { clock: options.clock } : {}),
    }),
  );
  return { psp, world, connector, close: () => psp.stop() };
}

// The PSP connectors' fake PSPs, by provider: what the shared console-form and CLI install tests
// install against. Each connector folder's fake.ts loads fixtures that follow that PSP's documented API.
import type { RunningFake } from '../../src/connectors/sdk/testing/index.js';
import { startFake as adyen } from '../../src/connectors/adyen/fake.js';
import { startFake as column } from '../../src/connectors/column/fake.js';
import { startFake as currencycloud } from '../../src/connectors/currencycloud/fake.js';
import { startFake as increase } from '../../src/connectors/increase/fake.js';
import { startFake as mangopay } from '../../src/connectors/mangopay/fake.js';
import { startFake as modulr } from '../../src/connectors/modulr/fake.js';
import { startFake as stripe } from '../../src/connectors/stripe/fake.js';
import { startFake as wise } from '../../src/connectors/wise/fake.js';
import { freePort } from './service.js';

export const PSP_FAKES: Record<string, () => Promise<RunningFake>> = {
  adyen,
  column,
  currencycloud,
  increase,
  mangopay,
  modulr,
  stripe,
  wise,
};
export const PSP_PROVIDERS = Object.keys(PSP_FAKES).sort();

/**
 * Starts every PSP connector's fake, and the service settings that go with them: a fixed port named as
 * PAYBRIDGE_PUBLIC_URL (the fakes deliver webhooks to the endpoints the connectors create there) and the
 * fakes' hosts on the endpoint allow list (a loopback PSP's refusals are otherwise hidden from the caller).
 */
export async function startPspFakes(): Promise<{
  fakes: Record<string, RunningFake>;
  settings: Record<string, string>;
  close(): Promise<void>;
}> {
  const fakes: Record<string, RunningFake> = {};
  for (const provider of PSP_PROVIDERS) fakes[provider] = await PSP_FAKES[provider]!();
  const port = await freePort();
  return {
    fakes,
    settings: {
      PORT: String(port),
      PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: Object.values(fakes)
        .map((f) => new URL(f.psp.url).host)
        .join(','),
    },
    close: async () => {
      await Promise.all(Object.values(fakes).map((f) => f.close()));
    },
  };
}

// Installs the Generic connector on a simulator tenant through the official SDK, and waits until the first
// poll has brought in the accounts a test names: initiations may only name accounts Paybridge knows.
import type { SDK } from '@formance/formance-sdk';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { present } from '../e2e/sdk-helpers.js';
import type { MockPspTenant } from './mock-psp.js';
import { eventually, type TestService } from './service.js';

export interface InstalledGeneric {
  connectorID: string;
  /** The v3 id of the account the simulator knows as `reference`. */
  accountId(reference: string): string;
}

export async function installGeneric(
  sdk: SDK,
  service: TestService,
  sim: MockPspTenant,
  options: { name: string; endpoint: string; waitForAccounts: number },
): Promise<InstalledGeneric> {
  const installed = await sdk.payments.v3.installConnector({
    connector: 'generic',
    v3ConnectorConfig: {
      provider: 'Generic',
      name: options.name,
      apiKey: sim.apiKey,
      endpoint: options.endpoint,
      pollingPeriod: '1h',
    },
  });
  const connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  const connectorId = connectorIdCodec.decode(connectorID);
  await eventually(async () => {
    const rows = await service.paybridge.deps.db
      .selectFrom('accounts')
      .select('id')
      .where('connector_id', '=', connectorID)
      .execute();
    return rows.length >= options.waitForAccounts ? true : undefined;
  });
  return { connectorID, accountId: (reference) => accountIdCodec.encode({ connectorId, reference }) };
}

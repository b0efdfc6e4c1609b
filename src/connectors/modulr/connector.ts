// The Modulr connector: each contract method hands over to the module that does that job.
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type * as C from '../sdk/contract.js';
import { createBeneficiary } from './beneficiaries.js';
import { ModulrClient } from './client.js';
import type { ModulrConfig } from './config.js';
import {
  fetchAccounts,
  fetchBalances,
  fetchBeneficiaries,
  fetchPayments,
  fetchTransactions,
} from './listing.js';
import { Payouts } from './payouts.js';
import { modulrWorkflow } from './workflow.js';

export class ModulrConnector extends BaseConnector {
  private readonly client: ModulrClient;
  private readonly payouts: Payouts;

  constructor(
    private readonly config: ModulrConfig,
    private readonly context: ConnectorContext,
  ) {
    super();
    this.client = new ModulrClient(
      context.fetch,
      config.endpoint,
      { apiKey: config.apiKey, apiSecret: config.apiSecret, algorithm: config.hmacAlgorithm },
      context.clock,
    );
    this.payouts = new Payouts(this.client);
  }

  /**
   * One cheap signed read: a wrong key, secret or algorithm fails the install with Modulr's reason. The
   * configured customer is read itself, so a customer the key cannot see fails too.
   */
  async install(): Promise<C.InstallResponse> {
    if (this.config.customerId)
      await this.client.get(`/customers/${encodeURIComponent(this.config.customerId)}`);
    else await this.client.get('/accounts', { page: 0, size: 1 });
    return { workflow: modulrWorkflow() };
  }

  /** Nothing was created at Modulr (no notifications: see MAPPING.md), so nothing is removed. */
  override async uninstall(_request: C.UninstallRequest): Promise<void> {}

  override fetchNextAccounts(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchAccounts(this.client, this.config.customerId, request);
  }

  override fetchNextBalances(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspBalance>> {
    return fetchBalances(this.client, this.context.clock, request);
  }

  override fetchNextExternalAccounts(
    request: C.FetchNextRequest,
  ): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchBeneficiaries(this.client, this.context.clock, this.config.customerId, request);
  }

  override fetchNextPayments(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspPayment>> {
    return request.fromPayload
      ? fetchTransactions(this.client, this.context.clock, request)
      : fetchPayments(this.client, this.context.clock, this.config.customerId, request);
  }

  override createBankAccount(request: C.CreateBankAccountRequest): Promise<C.CreateBankAccountResponse> {
    return createBeneficiary(this.client, this.config.customerId, request);
  }

  override createTransfer(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return this.payouts.transfer(request);
  }

  override pollTransferStatus(request: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    return this.payouts.poll(request.pollingId);
  }

  override createPayout(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return this.payouts.payout(request);
  }

  override pollPayoutStatus(request: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    return this.payouts.poll(request.pollingId);
  }
}

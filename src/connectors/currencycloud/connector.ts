// The Currencycloud connector: each contract method hands over to the module that does that job.
import { BaseConnector } from '../sdk/base.js';
import type { ConnectorContext } from '../sdk/context.js';
import type * as C from '../sdk/contract.js';
import { CurrencycloudClient } from './client.js';
import type { CurrencycloudConfig } from './config.js';
import { fetchAccounts, fetchBalances, fetchBeneficiaries, fetchTransactions } from './listing.js';
import { currencycloudWorkflow } from './workflow.js';
import { createBeneficiary, createPayout, createTransfer, pollPayout, pollTransfer } from './writes.js';

export class CurrencycloudConnector extends BaseConnector {
  /** One session per connector instance: two installs with different logins never share a token. */
  readonly client: CurrencycloudClient;

  constructor(
    config: CurrencycloudConfig,
    private readonly context: ConnectorContext,
  ) {
    super();
    this.client = new CurrencycloudClient(
      context.fetch,
      config.endpoint,
      { loginID: config.loginID, apiKey: config.apiKey },
      context.clock,
    );
  }

  /** A login and one cheap authenticated read: wrong credentials fail the install with CC's reason. */
  async install(): Promise<C.InstallResponse> {
    await this.client.get('/accounts/current');
    return { workflow: currencycloudWorkflow() };
  }

  /** Nothing was created at Currencycloud (it has no webhook API), so nothing is removed. */
  override async uninstall(_request: C.UninstallRequest): Promise<void> {}

  override fetchNextAccounts(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchAccounts(this.client, request);
  }

  override fetchNextBalances(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspBalance>> {
    return fetchBalances(this.client, request);
  }

  override fetchNextExternalAccounts(
    request: C.FetchNextRequest,
  ): Promise<C.FetchNextResponse<C.PspAccount>> {
    return fetchBeneficiaries(this.client, request);
  }

  override fetchNextPayments(request: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspPayment>> {
    return fetchTransactions(this.client, this.context.clock, request);
  }

  override createBankAccount(request: C.CreateBankAccountRequest): Promise<C.CreateBankAccountResponse> {
    return createBeneficiary(this.client, request);
  }

  override createTransfer(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return createTransfer(this.client, request);
  }

  override pollTransferStatus(request: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    return pollTransfer(this.client, request.pollingId);
  }

  override createPayout(request: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    return createPayout(this.client, request);
  }

  override pollPayoutStatus(request: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    return pollPayout(this.client, request.pollingId);
  }
}

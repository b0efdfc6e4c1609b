// The DummyPay connector: wires the file client to the fetchers and the writes, and answers install.
import type { Logger } from 'pino';
import { BaseConnector } from '../sdk/base.js';
import type {
  CreateBankAccountRequest,
  CreateBankAccountResponse,
  CreateTransferRequest,
  CreateTransferResponse,
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
  FetchNextRequest,
  FetchNextResponse,
  InstallResponse,
  PspAccount,
  PspBalance,
  PspConversion,
  PspOrder,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspPayment,
  ReverseTransferRequest,
  ReverseTransferResponse,
  UninstallRequest,
} from '../sdk/contract.js';
import type { ConnectorContext } from '../sdk/registry.js';
import { fetchNextAccounts } from './accounts.js';
import { createBankAccount } from './bank-accounts.js';
import { fetchNextBalances } from './balances.js';
import { DummyPayClient } from './client.js';
import type { DummyPayConfig } from './config.js';
import { fetchNextConversions } from './conversions.js';
import { fetchNextExternalAccounts } from './external-accounts.js';
import { createMovement, pollMovement, reverseMovement } from './movements.js';
import { fetchNextOrders } from './orders.js';
import { fetchNextPayments } from './payments.js';
import { createUser, deleteUser } from './users.js';
import { dummyPayWorkflow } from './workflow.js';

export interface DummyPayOptions {
  /** The clock used to stamp balances, written payments and the call log; tests pin it. */
  now?: () => Date;
}

export class DummyPayConnector extends BaseConnector {
  private readonly client: DummyPayClient;
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(config: DummyPayConfig, context: ConnectorContext, options: DummyPayOptions = {}) {
    super();
    this.client = new DummyPayClient(config.directory, context.fileRoot);
    this.logger = context.logger;
    this.now = options.now ?? (() => new Date());
  }

  async install(): Promise<InstallResponse> {
    await this.client.checkDirectory();
    return { workflow: dummyPayWorkflow() };
  }

  // The files belong to whoever wrote them; there is nothing of ours to remove.
  override async uninstall(_request: UninstallRequest): Promise<void> {}

  override fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return fetchNextAccounts(this.client, this.logger, request);
  }

  override fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    return fetchNextBalances(this.client, this.logger, request, this.now());
  }

  override fetchNextExternalAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return fetchNextExternalAccounts(this.client, this.logger, request);
  }

  override fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    return fetchNextPayments(this.client, this.logger, request);
  }

  override fetchNextOrders(request: FetchNextRequest): Promise<FetchNextResponse<PspOrder>> {
    return fetchNextOrders(this.client, this.logger, request);
  }

  override fetchNextConversions(request: FetchNextRequest): Promise<FetchNextResponse<PspConversion>> {
    return fetchNextConversions(this.client, this.logger, request);
  }

  override createTransfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return createMovement(this.client, this.now, 'transfer', request);
  }

  override createPayout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return createMovement(this.client, this.now, 'payout', request);
  }

  override reverseTransfer(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    return reverseMovement(this.client, this.now, 'reverse-transfer', request);
  }

  override reversePayout(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    return reverseMovement(this.client, this.now, 'reverse-payout', request);
  }

  override pollTransferStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return pollMovement(this.client, this.now, 'transfer', request);
  }

  override pollPayoutStatus(request: PollTransferStatusRequest): Promise<PollTransferStatusResponse> {
    return pollMovement(this.client, this.now, 'payout', request);
  }

  override createBankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse> {
    return createBankAccount(this.client, this.now, request);
  }

  override createUser(request: CreateUserRequest): Promise<CreateUserResponse> {
    return createUser(this.client, this.now, request);
  }

  override deleteUser(request: DeleteUserRequest): Promise<void> {
    return deleteUser(this.client, this.now, request);
  }
}

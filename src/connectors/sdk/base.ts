// A connector base class: every operation is "not implemented" until a subclass overrides it.
import type * as C from './contract.js';
import { NotImplementedError } from './errors.js';

export abstract class BaseConnector implements C.Connector {
  abstract install(): Promise<C.InstallResponse>;

  async uninstall(_request: C.UninstallRequest): Promise<void> {
    throw new NotImplementedError('uninstall');
  }
  async fetchNextAccounts(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    throw new NotImplementedError('fetchNextAccounts');
  }
  async fetchNextBalances(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspBalance>> {
    throw new NotImplementedError('fetchNextBalances');
  }
  async fetchNextExternalAccounts(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspAccount>> {
    throw new NotImplementedError('fetchNextExternalAccounts');
  }
  async fetchNextPayments(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspPayment>> {
    throw new NotImplementedError('fetchNextPayments');
  }
  async fetchNextOthers(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspOther>> {
    throw new NotImplementedError('fetchNextOthers');
  }
  async fetchNextOrders(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspOrder>> {
    throw new NotImplementedError('fetchNextOrders');
  }
  async fetchNextConversions(_r: C.FetchNextRequest): Promise<C.FetchNextResponse<C.PspConversion>> {
    throw new NotImplementedError('fetchNextConversions');
  }
  async createBankAccount(_r: C.CreateBankAccountRequest): Promise<C.CreateBankAccountResponse> {
    throw new NotImplementedError('createBankAccount');
  }
  async createTransfer(_r: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    throw new NotImplementedError('createTransfer');
  }
  async reverseTransfer(_r: C.ReverseTransferRequest): Promise<C.ReverseTransferResponse> {
    throw new NotImplementedError('reverseTransfer');
  }
  async pollTransferStatus(_r: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    throw new NotImplementedError('pollTransferStatus');
  }
  async createPayout(_r: C.CreateTransferRequest): Promise<C.CreateTransferResponse> {
    throw new NotImplementedError('createPayout');
  }
  async reversePayout(_r: C.ReverseTransferRequest): Promise<C.ReverseTransferResponse> {
    throw new NotImplementedError('reversePayout');
  }
  async pollPayoutStatus(_r: C.PollTransferStatusRequest): Promise<C.PollTransferStatusResponse> {
    throw new NotImplementedError('pollPayoutStatus');
  }
  async createUser(_r: C.CreateUserRequest): Promise<C.CreateUserResponse> {
    throw new NotImplementedError('createUser');
  }
  async deleteUser(_r: C.DeleteUserRequest): Promise<void> {
    throw new NotImplementedError('deleteUser');
  }
  async createWebhooks(_r: C.CreateWebhooksRequest): Promise<C.CreateWebhooksResponse> {
    throw new NotImplementedError('createWebhooks');
  }
  async verifyWebhook(_r: C.VerifyWebhookRequest): Promise<C.VerifyWebhookResponse> {
    throw new NotImplementedError('verifyWebhook');
  }
  /** By default one delivery is one webhook. */
  async trimWebhook(request: C.VerifyWebhookRequest): Promise<C.TrimWebhookResponse> {
    return { webhooks: [request.webhook] };
  }
  async translateWebhook(_r: C.VerifyWebhookRequest & { name: string }): Promise<C.TranslateWebhookResponse> {
    throw new NotImplementedError('translateWebhook');
  }
}

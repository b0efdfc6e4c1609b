// The notification mapping: every event code, success=false, modifications as adjustments, Adyen's exponents, and the fixtures against Adyen's document.
import { describe, expect, it } from 'vitest';
import { loadPspSpec, pspSpecPath } from '../sdk/testing/index.js';
import { adyenConfig, managementEndpoint } from './config.js';
import { adyenMoney, adyenAsset } from './currencies.js';
import { fixture, type NotificationFixture } from './fake.js';
import {
  EVENT_RULES,
  INFORMATIONAL_EVENTS,
  type NotificationItem,
  notificationItem,
  schemeOf,
  toPayment,
} from './notifications.js';

const item = (fields: Partial<NotificationItem> = {}): NotificationItem =>
  notificationItem.parse({
    pspReference: 'MOD0000000000001',
    originalReference: 'PAY0000000000001',
    merchantAccountCode: 'PaybridgeECOM',
    merchantReference: 'order-1',
    eventCode: 'AUTHORISATION',
    eventDate: '2026-03-02T10:00:00+01:00',
    success: 'true',
    amount: { currency: 'EUR', value: 1000 },
    paymentMethod: 'visa',
    ...fields,
  });

const payment = (fields: Partial<NotificationItem>) => {
  const outcome = toPayment(item(fields));
  if (outcome.kind !== 'payment') throw new Error(`ignored: ${outcome.reason}`);
  return outcome;
};

describe('event codes', () => {
  it('an authorisation is a PAY-IN of its own pspReference into the merchant account', () => {
    const { payment: p } = payment({ eventCode: 'AUTHORISATION', pspReference: 'PAY0000000000001' });
    expect(p).toMatchObject({
      reference: 'PAY0000000000001',
      type: 'PAY-IN',
      status: 'AUTHORISATION',
      amount: 1000n,
      asset: 'EUR/2',
      scheme: 'CARD_VISA',
      destinationAccountReference: 'PaybridgeECOM',
    });
    expect(p.parentReference).toBeUndefined();
    expect(p.createdAt.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(p.metadata).toMatchObject({
      'com.adyen.spec/eventCode': 'AUTHORISATION',
      'com.adyen.spec/merchantReference': 'order-1',
    });
  });

  it('a refused authorisation (success=false) is a FAILED payment, not a succeeded one', () => {
    const { payment: p } = payment({ eventCode: 'AUTHORISATION', success: 'false', reason: 'Refused' });
    expect(p.status).toBe('FAILED');
    expect(p.metadata?.['com.adyen.spec/reason']).toBe('Refused');
  });

  it('a refund is an adjustment of the payment it names in originalReference', () => {
    const { payment: p } = payment({ eventCode: 'REFUND', amount: { currency: 'EUR', value: 250 } });
    expect(p).toMatchObject({
      reference: 'MOD0000000000001',
      parentReference: 'PAY0000000000001',
      type: 'PAY-IN',
      status: 'REFUNDED',
      amount: 250n,
    });
  });

  it('a failed refund is not a refund: REFUNDED_FAILURE, which moves no money', () => {
    expect(payment({ eventCode: 'REFUND', success: 'false' }).payment.status).toBe('REFUNDED_FAILURE');
  });

  it('a capture that failed (success=false) is CAPTURE_FAILED, where Formance dropped it', () => {
    expect(payment({ eventCode: 'CAPTURE', success: 'false' }).payment.status).toBe('CAPTURE_FAILED');
    expect(payment({ eventCode: 'CAPTURE' }).payment.status).toBe('CAPTURE');
  });

  it('a failed cancellation changes nothing', () => {
    expect(toPayment(item({ eventCode: 'CANCELLATION', success: 'false' })).kind).toBe('ignored');
    expect(payment({ eventCode: 'CANCELLATION' }).payment.status).toBe('CANCELLED');
  });

  it('chargebacks follow the dispute: opened, reversed (won), second chargeback (lost)', () => {
    expect(payment({ eventCode: 'CHARGEBACK' }).payment).toMatchObject({
      status: 'DISPUTE',
      parentReference: 'PAY0000000000001',
    });
    expect(payment({ eventCode: 'CHARGEBACK_REVERSED' }).payment.status).toBe('DISPUTE_WON');
    expect(payment({ eventCode: 'SECOND_CHARGEBACK' }).payment.status).toBe('DISPUTE_LOST');
  });

  it('payouts leave the merchant account; a declined or expired one is an adjustment of it', () => {
    const thirdParty = payment({ eventCode: 'PAYOUT_THIRDPARTY', originalReference: undefined }).payment;
    expect(thirdParty).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      sourceAccountReference: 'PaybridgeECOM',
    });
    expect(thirdParty.destinationAccountReference).toBeUndefined();
    expect(payment({ eventCode: 'PAYOUT_THIRDPARTY', success: 'false' }).payment.status).toBe('FAILED');
    expect(payment({ eventCode: 'PAYOUT_DECLINE' }).payment).toMatchObject({
      type: 'PAYOUT',
      status: 'FAILED',
      parentReference: 'PAY0000000000001',
    });
    expect(payment({ eventCode: 'PAYOUT_EXPIRE', originalReference: undefined }).payment).toMatchObject({
      type: 'PAYOUT',
      status: 'EXPIRED',
      reference: 'MOD0000000000001',
    });
  });

  it("maps every code of Formance's table", () => {
    for (const code of [
      'AUTHORISATION',
      'AUTHORISATION_ADJUSTMENT',
      'CANCELLATION',
      'CAPTURE',
      'CAPTURE_FAILED',
      'REFUND',
      'REFUND_FAILED',
      'REFUNDED_REVERSED',
      'REFUND_WITH_DATA',
      'PAYOUT_THIRDPARTY',
      'PAYOUT_DECLINE',
      'PAYOUT_EXPIRE',
    ]) {
      const outcome = toPayment(item({ eventCode: code }));
      expect(outcome.kind, code).toBe('payment');
      if (outcome.kind === 'payment') expect(outcome.payment.status, code).not.toBe('OTHER');
    }
    expect(payment({ eventCode: 'AUTHORISATION_ADJUSTMENT' }).payment.status).toBe('AMOUNT_ADJUSTEMENT');
    expect(payment({ eventCode: 'REFUNDED_REVERSED' }).payment.status).toBe('REFUND_REVERSED');
  });

  it('REFUND_WITH_DATA refunds the payment it names, or is a payout when it names none', () => {
    expect(payment({ eventCode: 'REFUND_WITH_DATA' }).payment).toMatchObject({
      type: 'PAY-IN',
      status: 'REFUNDED',
      parentReference: 'PAY0000000000001',
    });
    expect(payment({ eventCode: 'REFUND_WITH_DATA', originalReference: undefined }).payment).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
    });
  });

  it('CANCEL_OR_REFUND follows modification.action, and an unknown action is OTHER with a warning', () => {
    expect(
      payment({ eventCode: 'CANCEL_OR_REFUND', additionalData: { 'modification.action': 'refund' } }).payment
        .status,
    ).toBe('REFUNDED');
    expect(
      payment({ eventCode: 'CANCEL_OR_REFUND', additionalData: { 'modification.action': 'cancel' } }).payment
        .status,
    ).toBe('CANCELLED');
    const unknown = payment({ eventCode: 'CANCEL_OR_REFUND' });
    expect(unknown.payment.status).toBe('OTHER');
    expect(unknown.warning).toMatch(/modification\.action/);
  });

  it('an unknown event code is kept as OTHER on the payment it names, with a warning', () => {
    const outcome = payment({ eventCode: 'SOMETHING_NEW' });
    expect(outcome.payment).toMatchObject({ status: 'OTHER', parentReference: 'PAY0000000000001' });
    expect(outcome.warning).toBe("unknown Adyen event code 'SOMETHING_NEW' mapped to OTHER");
  });

  it('informational codes and modifications without an original are left out with a reason', () => {
    for (const code of INFORMATIONAL_EVENTS) {
      expect(toPayment(item({ eventCode: code })).kind, code).toBe('ignored');
    }
    const orphan = toPayment(item({ eventCode: 'REFUND', originalReference: undefined }));
    expect(orphan).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/originalReference/) });
  });

  it('every rule names a status the engine knows for success=true', () => {
    for (const [code, rule] of Object.entries(EVENT_RULES)) expect(rule.succeeded, code).not.toBeNull();
  });
});

describe('amounts and schemes', () => {
  it("uses Adyen's exponents where they depart from ISO 4217, exactly", () => {
    expect(adyenMoney('ISK', 1500000)).toEqual({ amount: 1500000n, asset: 'ISK/2' });
    expect(adyenMoney('CLP', 1000)).toEqual({ amount: 1000n, asset: 'CLP/2' });
    expect(adyenMoney('IDR', 15000)).toEqual({ amount: 15000n, asset: 'IDR/0' });
    expect(adyenMoney('CVE', 500)).toEqual({ amount: 500n, asset: 'CVE/0' });
    expect(adyenMoney('JPY', 500)).toEqual({ amount: 500n, asset: 'JPY/0' });
    expect(adyenMoney('KWD', 1234)).toEqual({ amount: 1234n, asset: 'KWD/3' });
    expect(adyenMoney('EUR', 9007199254740993n)).toEqual({ amount: 9007199254740993n, asset: 'EUR/2' });
    expect(adyenAsset('isk')).toBe('ISK/2');
  });

  it('refuses a currency Adyen does not use and an inexact amount', () => {
    expect(() => adyenMoney('XYZ', 1)).toThrow(/not a currency/);
    expect(() => adyenMoney('EUR', 1.5)).toThrow(/not an exact amount/);
    expect(() => toPayment(item({ amount: { currency: 'ZZZ', value: 1 } }))).toThrow();
  });

  it('reads the scheme from paymentMethod, OTHER when unknown', () => {
    expect(schemeOf('mc')).toBe('CARD_MASTERCARD');
    expect(schemeOf('amex')).toBe('CARD_AMEX');
    expect(schemeOf('ideal')).toBe('OTHER');
    expect(schemeOf(undefined)).toBe('OTHER');
  });
});

const webhooksSpec = pspSpecPath('adyen', 'Webhooks-v1.yaml');
const managementSpec = pspSpecPath('adyen', 'ManagementService-v3.yaml');

describe.skipIf(!webhooksSpec)(
  "fixtures against Adyen's documents (skipped without ../shared/psp-specs/adyen)",
  () => {
    it('every notification item follows the Webhooks-v1 schema of its event code', async () => {
      const spec = await loadPspSpec(webhooksSpec ?? '');
      const notifications = fixture<NotificationFixture[]>('notifications.json');
      expect(notifications.length).toBeGreaterThan(0);
      for (const notification of notifications) {
        for (const wrapper of notification.body.notificationItems) {
          const code = String(wrapper.NotificationRequestItem.eventCode);
          const single = { live: notification.body.live, notificationItems: [wrapper] };
          expect(
            spec.validateRequestBody('POST', `/${code}`, single),
            `${notification.name} ${code}`,
          ).toEqual([]);
        }
      }
    });

    it('a notification with a field Adyen does not document is caught', async () => {
      const spec = await loadPspSpec(webhooksSpec ?? '');
      const bad = {
        live: 'false',
        notificationItems: [
          { NotificationRequestItem: { ...item(), amount: { currency: 'EUR', value: '10' } } },
        ],
      };
      expect(spec.validateRequestBody('POST', '/AUTHORISATION', bad).length).toBeGreaterThan(0);
    });

    it.skipIf(!managementSpec)('the company and merchant fixtures follow the Management API v3', async () => {
      const spec = await loadPspSpec(managementSpec ?? '');
      expect(
        spec.validateResponse('GET', '/v3/companies/PaybridgeCompany', 200, fixture('company.json')),
      ).toEqual([]);
      const merchants = fixture<unknown[]>('merchants.json');
      expect(
        spec.validateResponse('GET', '/v3/companies/PaybridgeCompany/merchants', 200, {
          data: merchants,
          itemsTotal: merchants.length,
          pagesTotal: 1,
        }),
      ).toEqual([]);
    });
  },
);

describe('config', () => {
  it("spells companyID as Formance does, and Formance's liveEndpointPrefix selects the live Management API", () => {
    const base = { apiKey: 'k', companyID: 'C' };
    expect(managementEndpoint(adyenConfig.parse(base))).toBe('https://management-test.adyen.com/v3');
    expect(
      managementEndpoint(adyenConfig.parse({ ...base, liveEndpointPrefix: '1797a841fbb37ca7-AdyenDemo' })),
    ).toBe('https://management-live.adyen.com/v3');
    expect(
      managementEndpoint(
        adyenConfig.parse({ ...base, endpoint: 'http://127.0.0.1:9/v3/', liveEndpointPrefix: 'x-y' }),
      ),
    ).toBe('http://127.0.0.1:9/v3');
    expect(adyenConfig.safeParse({ ...base, webhookUsername: 'a:b' }).success).toBe(false);
    expect(adyenConfig.safeParse({ apiKey: 'k', companyId: 'C' }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  accountIdCodec,
  canonicalJson,
  connectorIdCodec,
  conversionIdCodec,
  InvalidIdError,
  orderAdjustmentIdCodec,
  orderIdCodec,
  paymentAdjustmentIdCodec,
  paymentIdCodec,
  paymentInitiationAdjustmentIdCodec,
  paymentInitiationIdCodec,
  taskIdCodec,
} from './ids.js';

const connector = { provider: 'dummypay', reference: '7d4e5237-3c09-450e-8869-26c060af2377' };

describe('identifiers', () => {
  it('encode a connector id exactly as Formance does', () => {
    expect(connectorIdCodec.encode(connector)).toBe(
      'eyJQcm92aWRlciI6ImR1bW15cGF5IiwiUmVmZXJlbmNlIjoiN2Q0ZTUyMzctM2MwOS00NTBlLTg4NjktMjZjMDYwYWYyMzc3In0',
    );
  });

  it('encode an account id with the connector nested and keys sorted', () => {
    const id = accountIdCodec.encode({ connectorId: connector, reference: 'acc1' });
    expect(Buffer.from(id, 'base64url').toString()).toBe(
      '{"ConnectorID":{"Provider":"dummypay","Reference":"7d4e5237-3c09-450e-8869-26c060af2377"},"Reference":"acc1"}',
    );
    expect(id.startsWith('eyJDb25uZWN0b3JJRCI6eyJQcm92aWRlciI6ImR1bW15cGF5IiwiUmVmZXJlbmNlIjoiN2Q0')).toBe(
      true,
    );
  });

  it('round-trip payment and task ids', () => {
    const payment = { connectorId: connector, reference: 'p/1 ü', type: 'PAY-IN' as const };
    expect(paymentIdCodec.decode(paymentIdCodec.encode(payment))).toEqual(payment);
    const task = taskIdCodec.encode(connector, 'uninstall-x');
    expect(taskIdCodec.decode(task)).toEqual({ connectorId: connector, reference: 'uninstall-x' });
  });

  it('are deterministic for the same inputs and differ when any part differs', () => {
    const base = {
      paymentId: { connectorId: connector, reference: 'p', type: 'PAYOUT' as const },
      reference: 'p',
    };
    const a = paymentAdjustmentIdCodec.encode({
      ...base,
      createdAt: '2024-01-01T00:00:00Z',
      status: 'PENDING',
    });
    const b = paymentAdjustmentIdCodec.encode({
      ...base,
      createdAt: '2024-01-01T00:00:00Z',
      status: 'PENDING',
    });
    const c = paymentAdjustmentIdCodec.encode({
      ...base,
      createdAt: '2024-01-01T00:00:00Z',
      status: 'SUCCEEDED',
    });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('decode keys case-insensitively, like Go', () => {
    const id = Buffer.from(JSON.stringify({ provider: 'stripe', reference: connector.reference })).toString(
      'base64url',
    );
    expect(connectorIdCodec.decode(id)).toEqual({ provider: 'stripe', reference: connector.reference });
  });

  it('reject padding, the standard alphabet, garbage and wrong shapes', () => {
    const good = connectorIdCodec.encode(connector);
    for (const bad of [
      `${good}=`,
      good.replace(/-/g, '+').replace(/_/g, '/') + '+',
      'not json!',
      '',
      'bnVsbA',
    ]) {
      expect(() => connectorIdCodec.decode(bad)).toThrow(InvalidIdError);
    }
    const noUuid = Buffer.from('{"Provider":"x","Reference":"nope"}').toString('base64url');
    expect(() => connectorIdCodec.decode(noUuid)).toThrow(InvalidIdError);
  });

  it('encode order and conversion ids as {ConnectorID, Reference}, and decode them back', () => {
    const inner = '{"ConnectorID":{"Provider":"dummypay","Reference":"7d4e5237-3c09-450e-8869-26c060af2377"}';
    for (const codec of [orderIdCodec, conversionIdCodec]) {
      const id = codec.encode({ connectorId: connector, reference: 'ord-1' });
      expect(Buffer.from(id, 'base64url').toString()).toBe(`${inner},"Reference":"ord-1"}`);
      expect(codec.decode(id)).toEqual({ connectorId: connector, reference: 'ord-1' });
    }
    expect(() => orderIdCodec.decode('not-an-id')).toThrow(InvalidIdError);
  });

  it('give an order adjustment one id per distinct status, fill and fee', () => {
    const orderId = { connectorId: connector, reference: 'ord-1' };
    const open = { orderId, status: 'OPEN', baseQuantityFilled: null, fee: null };
    const id = orderAdjustmentIdCodec.encode(open);
    expect(orderAdjustmentIdCodec.encode({ ...open })).toBe(id);
    expect(orderAdjustmentIdCodec.encode({ ...open, baseQuantityFilled: '0' })).not.toBe(id);
    expect(orderAdjustmentIdCodec.encode({ ...open, fee: '0' })).not.toBe(id);
    expect(orderAdjustmentIdCodec.encode({ ...open, status: 'FILLED' })).not.toBe(id);
  });

  it('write control characters with upper-case hex escapes and leave <>& alone', () => {
    expect(canonicalJson({ b: '\u001f<&>', a: 1 })).toBe('{"a":1,"b":"\\u001F<&>"}');
  });

  it('reject ids whose JSON holds a NUL or a lone surrogate, or bytes that are not UTF-8', () => {
    const encoded = (text: string | Buffer) => Buffer.from(text).toString('base64url');
    const inner = `{"Provider":"dummypay","Reference":"${connector.reference}"}`;
    for (const reference of ['\\u0000', '\\ud800', 'a\\udc00b']) {
      const id = encoded(`{"ConnectorID":${inner},"Reference":"${reference}"}`);
      expect(() => accountIdCodec.decode(id), reference).toThrow(InvalidIdError);
    }
    const notUtf8 = Buffer.concat([
      Buffer.from(`{"ConnectorID":${inner},"Reference":"`),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    expect(() => accountIdCodec.decode(encoded(notUtf8))).toThrow(InvalidIdError);
    expect(
      accountIdCodec.decode(encoded(`{"ConnectorID":${inner},"Reference":"caf\u00e9 😀"}`)).reference,
    ).toBe('café 😀');
  });

  it('encode every kind of id as the base64url of its canonical JSON (each codec writes sorted keys)', () => {
    const canonical = (id: string) =>
      Buffer.from(canonicalJson(JSON.parse(Buffer.from(id, 'base64url').toString('utf8'))), 'utf8').toString(
        'base64url',
      );
    const paymentId = { connectorId: connector, reference: 'p\u0001é"', type: 'PAY-IN' as const };
    const initiation = paymentInitiationIdCodec.encode(connector, 'pi-1');
    const ids = [
      connectorIdCodec.encode(connector),
      accountIdCodec.encode({ connectorId: connector, reference: 'a' }),
      paymentIdCodec.encode(paymentId),
      paymentAdjustmentIdCodec.encode({
        paymentId,
        reference: 'r',
        createdAt: '2024-01-01T00:00:00Z',
        status: 'SUCCEEDED',
      }),
      taskIdCodec.encode(connector, 't'),
      initiation,
      paymentInitiationAdjustmentIdCodec.encode(initiation, '2024-01-01T00:00:00Z', 'PROCESSED'),
      orderIdCodec.encode({ connectorId: connector, reference: 'o' }),
      conversionIdCodec.encode({ connectorId: connector, reference: 'c' }),
      orderAdjustmentIdCodec.encode({
        orderId: { connectorId: connector, reference: 'o' },
        status: 'FILLED',
        baseQuantityFilled: '5',
        fee: null,
      }),
    ];
    for (const id of ids) expect(id).toBe(canonical(id));
  });
});

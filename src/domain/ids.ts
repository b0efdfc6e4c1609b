// Deterministic identifiers: base64url (no padding) of canonical JSON with PascalCase keys, as Formance encodes them.
import type { PaymentStatus, PaymentType } from './enums.js';
import { findJsonProblem } from './text.js';

export interface ConnectorId {
  provider: string;
  reference: string;
}
export interface AccountId {
  connectorId: ConnectorId;
  reference: string;
}
export interface PaymentId {
  connectorId: ConnectorId;
  reference: string;
  type: PaymentType;
}

export class InvalidIdError extends Error {}

/** Canonical JSON: keys sorted by code point, no whitespace, `\u` escapes in upper-case hex. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(
    /\\u([0-9a-f]{4})/g,
    (_m, hex: string) => `\\u${hex.toUpperCase()}`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/**
 * Every codec below writes its keys (at every level) in sorted order, so JSON.stringify already yields
 * the canonical text: sorting them again per id was a visible share of the ingestion profile.
 */
function encode(value: unknown): string {
  let text = JSON.stringify(value);
  if (text.includes('\\u'))
    text = text.replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => `\\u${hex.toUpperCase()}`);
  return Buffer.from(text, 'utf8').toString('base64url');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(id: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new InvalidIdError('not a base64url identifier');
  let parsed: unknown;
  try {
    // Fatal: bytes that are not UTF-8 make the id invalid, instead of decoding to U+FFFD.
    parsed = JSON.parse(utf8.decode(Buffer.from(id, 'base64url')));
  } catch {
    throw new InvalidIdError('identifier does not hold JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidIdError('identifier does not hold an object');
  }
  // A `\u0000` or a lone `\ud800` escape inside the JSON: no stored object can have such an id.
  const problem = findJsonProblem(parsed);
  if (problem) throw new InvalidIdError(`identifier ${problem.path || 'value'} ${problem.problem}`);
  return parsed as Record<string, unknown>;
}

/** Go's json.Unmarshal matches keys case-insensitively; so do we. */
function field(obj: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

function stringField(obj: Record<string, unknown>, name: string): string {
  const value = field(obj, name);
  if (typeof value !== 'string') throw new InvalidIdError(`identifier lacks ${name}`);
  return value;
}

function connectorWire(id: ConnectorId) {
  return { Provider: id.provider, Reference: id.reference };
}

function connectorFrom(obj: Record<string, unknown>): ConnectorId {
  const provider = stringField(obj, 'Provider');
  const reference = stringField(obj, 'Reference');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference)) {
    throw new InvalidIdError('connector reference is not a UUID');
  }
  return { provider, reference };
}

function nestedConnector(obj: Record<string, unknown>): ConnectorId {
  const inner = field(obj, 'ConnectorID');
  if (inner === null || typeof inner !== 'object') throw new InvalidIdError('identifier lacks ConnectorID');
  return connectorFrom(inner as Record<string, unknown>);
}

export const connectorIdCodec = {
  encode: (id: ConnectorId) => encode(connectorWire(id)),
  decode: (text: string): ConnectorId => connectorFrom(decode(text)),
};

export const accountIdCodec = {
  encode: (id: AccountId) => encode({ ConnectorID: connectorWire(id.connectorId), Reference: id.reference }),
  decode: (text: string): AccountId => {
    const obj = decode(text);
    return { connectorId: nestedConnector(obj), reference: stringField(obj, 'Reference') };
  },
};

export const paymentIdCodec = {
  encode: (id: PaymentId) =>
    encode({ ConnectorID: connectorWire(id.connectorId), Reference: id.reference, Type: id.type }),
  decode: (text: string): PaymentId => {
    const obj = decode(text);
    return {
      connectorId: nestedConnector(obj),
      reference: stringField(obj, 'Reference'),
      type: stringField(obj, 'Type') as PaymentType,
    };
  },
};

export interface PaymentAdjustmentId {
  paymentId: PaymentId;
  reference: string;
  createdAt: string;
  status: PaymentStatus;
}

export const paymentAdjustmentIdCodec = {
  encode: (id: PaymentAdjustmentId) =>
    encode({
      CreatedAt: id.createdAt,
      PaymentID: {
        ConnectorID: connectorWire(id.paymentId.connectorId),
        Reference: id.paymentId.reference,
        Type: id.paymentId.type,
      },
      Reference: id.reference,
      Status: id.status,
    }),
};

/** Task ids name background work (uninstall, …) on a connector. */
export const taskIdCodec = {
  encode: (connectorId: ConnectorId, reference: string) =>
    encode({ ConnectorID: connectorWire(connectorId), Reference: reference }),
  decode: (text: string): { connectorId: ConnectorId; reference: string } => {
    const obj = decode(text);
    return { connectorId: nestedConnector(obj), reference: stringField(obj, 'Reference') };
  },
};

/** Payment initiations and their reversals: a reference unique per connector. */
export const paymentInitiationIdCodec = {
  encode: (connectorId: ConnectorId, reference: string) =>
    encode({ ConnectorID: connectorWire(connectorId), Reference: reference }),
  decode: (text: string): { connectorId: ConnectorId; reference: string } => {
    const obj = decode(text);
    return { connectorId: nestedConnector(obj), reference: stringField(obj, 'Reference') };
  },
};

export const paymentInitiationAdjustmentIdCodec = {
  encode: (paymentInitiationId: string, createdAt: string, status: string) => {
    const pi = paymentInitiationIdCodec.decode(paymentInitiationId);
    return encode({
      CreatedAt: createdAt,
      PaymentInitiationID: { ConnectorID: connectorWire(pi.connectorId), Reference: pi.reference },
      Status: status,
    });
  },
};

/** An order or a conversion: a PSP reference unique per connector (Formance's OrderID, ConversionID). */
export interface ReferenceId {
  connectorId: ConnectorId;
  reference: string;
}

const referenceIdCodec = {
  encode: (id: ReferenceId) =>
    encode({ ConnectorID: connectorWire(id.connectorId), Reference: id.reference }),
  decode: (text: string): ReferenceId => {
    const obj = decode(text);
    return { connectorId: nestedConnector(obj), reference: stringField(obj, 'Reference') };
  },
};

export const orderIdCodec = referenceIdCodec;
export const conversionIdCodec = referenceIdCodec;

export interface OrderAdjustmentId {
  orderId: ReferenceId;
  status: string;
  /** Digits, or null before any fill. */
  baseQuantityFilled: string | null;
  /** Digits, or null when the PSP reports no fee. */
  fee: string | null;
}

/**
 * One distinct state of an order: the order plus the fields that define it (status, filled quantity,
 * fee), so observing the same state again yields the same id and inserts nothing.
 */
export const orderAdjustmentIdCodec = {
  encode: (id: OrderAdjustmentId) =>
    encode({
      BaseQuantityFilled: id.baseQuantityFilled,
      Fee: id.fee,
      OrderID: { ConnectorID: connectorWire(id.orderId.connectorId), Reference: id.orderId.reference },
      Status: id.status,
    }),
};

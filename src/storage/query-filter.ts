// The v3 list filter language ($and/$or/$not/$match/$gt/$gte/$lt/$lte) turned into a Kysely boolean expression.
// Every value a user supplies ends up as a bound parameter; only the column names from the key maps below are
// written into the SQL, as quoted identifiers.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { parseJson, stringifyJson } from '../domain/json.js';
import { isAmountInRange } from '../domain/money.js';
import { textProblem } from '../domain/text.js';
import { ValidationError } from '../domain/errors.js';

const validationError = (message: string) => new ValidationError(message);

/**
 * How deep a filter may nest (`$and`, `$or` and `$not` each add a level, a comparison is the last one). Real
 * filters are two or three levels deep; 10 leaves room for generated ones while keeping the compiler's recursion
 * and PostgreSQL's expression depth small.
 */
export const MAX_FILTER_DEPTH = 10;
/**
 * How many expressions (operators and comparisons) a filter may hold. Each comparison is a bound parameter, and
 * PostgreSQL takes at most 65 535 per statement; 1000 allows an `$or` over a few hundred ids and keeps the
 * planning cost of one list request small.
 */
export const MAX_FILTER_EXPRESSIONS = 1000;

/** A leaf value once checked: strings, exact integers (as bigint) or booleans. */
export type FilterValue = string | bigint | boolean;

export interface FilterKey {
  /** Column reference used verbatim through `sql.ref`, e.g. `accounts.id`. */
  column: string;
  /** `match` allows only `$match`; `compare` also allows `$gt`, `$gte`, `$lt`, `$lte`. */
  ops: 'match' | 'compare';
  /** What the value must be; `text` when absent. `numeric` accepts integers (and digit strings), compared exactly. */
  value?: 'text' | 'numeric' | 'boolean';
  /** Rewrites a checked value before it is bound (e.g. lower-casing a provider). */
  transform?: (value: FilterValue) => FilterValue;
  /** For a key that is not a column of the row (a membership, say): the condition `$match` becomes. */
  matches?: (value: FilterValue) => RawBuilder<SqlBool>;
}

export type FilterKeys = Record<string, FilterKey>;

export interface FilterSpec {
  keys: FilterKeys;
  /** When set, `metadata[<k>]` keys are allowed (with `$match` only) and match by JSONB containment on this column. */
  metadataColumn?: string;
}

const COMPARISONS = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;
type ComparisonOperator = keyof typeof COMPARISONS;

const UNSUPPORTED = new Set(['$in', '$exists', '$like']);
const METADATA_KEY = /^metadata\[(.+)\]$/s;
const INTEGER_TEXT = /^-?\d+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True for `undefined`, `null` and `{}`: the caller asked for no filter. */
export function isEmptyFilter(filter: unknown): boolean {
  return (
    filter === undefined || filter === null || (isPlainObject(filter) && Object.keys(filter).length === 0)
  );
}

/**
 * Picks the filter of a list request: a non-empty JSON body wins, otherwise the `query` URL parameter (a JSON
 * string) is parsed. A body given as raw text is parsed too. Returns `undefined` when there is no filter.
 */
export function readFilter(queryParam: string | undefined, body: unknown): unknown {
  if (typeof body === 'string') {
    if (body.trim() !== '') return parseFilterText(body, 'invalid query body');
  } else if (!isEmptyFilter(body)) {
    return body;
  }
  if (queryParam === undefined || queryParam.trim() === '') return undefined;
  const parsed = parseFilterText(queryParam, "invalid 'query' query param");
  return isEmptyFilter(parsed) ? undefined : parsed;
}

function parseFilterText(text: string, message: string): unknown {
  try {
    return parseJson(text);
  } catch (error) {
    throw validationError(`${message}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Compiles a filter into a boolean expression for `.where(...)`; `undefined` when the filter is empty.
 * Throws `ValidationError` (the API answers 400 VALIDATION) for anything malformed, unknown or unsupported.
 */
export function buildFilter(filter: unknown, spec: FilterSpec): Expression<SqlBool> | undefined {
  if (isEmptyFilter(filter)) return undefined;
  return compileExpression(filter, spec, { depth: 1, budget: { expressions: 0 } });
}

/** Where the compiler is: the current depth, and the expressions counted so far (shared by the whole filter). */
interface Position {
  depth: number;
  budget: { expressions: number };
}

function enter(position: Position): Position {
  if (position.depth > MAX_FILTER_DEPTH) {
    throw validationError(`the filter is nested more than ${MAX_FILTER_DEPTH} levels deep`);
  }
  if (++position.budget.expressions > MAX_FILTER_EXPRESSIONS) {
    throw validationError(`the filter holds more than ${MAX_FILTER_EXPRESSIONS} expressions`);
  }
  return { depth: position.depth + 1, budget: position.budget };
}

/** Keys and values end up in SQL parameters: text PostgreSQL cannot store is refused here, not by the database. */
function checkText(text: string, what: string): string {
  const problem = textProblem(text);
  if (problem) throw validationError(`${what} in the filter ${problem}`);
  return text;
}

function singleEntry(value: unknown, what: string): [string, unknown] {
  if (!isPlainObject(value)) throw validationError(`${what} must be an object`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw validationError(`${what} must have exactly one key, got ${keys.length}`);
  const key = keys[0] as string;
  return [key, value[key]];
}

function compileExpression(expression: unknown, spec: FilterSpec, position: Position): RawBuilder<SqlBool> {
  const inner = enter(position);
  const [operator, operand] = singleEntry(expression, 'a query expression');
  switch (operator) {
    case '$and':
    case '$or': {
      if (!Array.isArray(operand)) throw validationError(`'${operator}' expects an array`);
      if (operand.length > MAX_FILTER_EXPRESSIONS) {
        throw validationError(`the filter holds more than ${MAX_FILTER_EXPRESSIONS} expressions`);
      }
      if (operand.length === 0) return sql<SqlBool>`true`;
      const parts = operand.map((item: unknown) => sql`(${compileExpression(item, spec, inner)})`);
      return sql<SqlBool>`${sql.join(parts, operator === '$and' ? sql` and ` : sql` or `)}`;
    }
    case '$not':
      return sql<SqlBool>`not (${compileExpression(operand, spec, inner)})`;
    case '$match':
      return compileLeaf(operator, operand, spec);
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return compileLeaf(operator, operand, spec);
    default:
      if (UNSUPPORTED.has(operator)) throw validationError(`unsupported operator '${operator}'`);
      throw validationError(`unknown operator '${shown(operator)}'`);
  }
}

/** A user's key as an error message shows it: bounded, so a long key is not echoed back whole. */
function shown(key: string): string {
  return key.length > 100 ? `${key.slice(0, 100)}…` : key;
}

function compileLeaf(
  operator: '$match' | ComparisonOperator,
  operand: unknown,
  spec: FilterSpec,
): RawBuilder<SqlBool> {
  const [key, raw] = singleEntry(operand, `'${operator}'`);

  const metadata = spec.metadataColumn === undefined ? null : METADATA_KEY.exec(key);
  if (metadata && spec.metadataColumn !== undefined) {
    if (operator !== '$match')
      throw validationError(`operator '${operator}' is not allowed on key '${shown(key)}'`);
    if (typeof raw !== 'string') throw validationError(`value for key '${shown(key)}' must be a string`);
    const wanted: Record<string, string> = Object.create(null) as Record<string, string>;
    wanted[checkText(metadata[1] as string, 'a metadata key')] = checkText(raw, 'a value');
    return sql<SqlBool>`${sql.ref(spec.metadataColumn)} @> ${stringifyJson(wanted)}::jsonb`;
  }

  const definition = Object.prototype.hasOwnProperty.call(spec.keys, key) ? spec.keys[key] : undefined;
  if (!definition) throw validationError(`unknown key '${shown(key)}' when building query`);
  if (operator !== '$match' && definition.ops !== 'compare') {
    throw validationError(`operator '${operator}' is not allowed on key '${key}'`);
  }

  let value = checkValue(key, raw, definition.value ?? 'text');
  if (definition.transform) value = definition.transform(value);

  if (definition.matches) return definition.matches(value);
  const column = sql.ref(definition.column);
  const bound = definition.value === 'numeric' ? sql`${String(value)}::numeric` : sql`${value}`;
  const comparator = operator === '$match' ? '=' : COMPARISONS[operator];
  return sql<SqlBool>`${column} ${sql.raw(comparator)} ${bound}`;
}

function checkValue(key: string, value: unknown, kind: 'text' | 'numeric' | 'boolean'): FilterValue {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw validationError(`value for key '${key}' must be an integer, got ${value}`);
  }
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw validationError(`value for key '${key}' must be a string`);
      return checkText(value, `the value for key '${key}'`);
    case 'boolean':
      if (typeof value !== 'boolean') throw validationError(`value for key '${key}' must be a boolean`);
      return value;
    case 'numeric': {
      let amount: bigint;
      if (typeof value === 'bigint') amount = value;
      else if (typeof value === 'number') amount = BigInt(value);
      else if (typeof value === 'string' && INTEGER_TEXT.test(value)) amount = BigInt(value);
      else throw validationError(`value for key '${key}' must be an integer`);
      // PostgreSQL would refuse a value past NUMERIC's range with an error; no stored amount is that large.
      if (!isAmountInRange(amount)) throw validationError(`value for key '${key}' is out of range`);
      return amount;
    }
  }
}

const lowerCase = (value: FilterValue): FilterValue =>
  typeof value === 'string' ? value.toLowerCase() : value;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A time bound (`2026-01-31` or an RFC 3339 time with its zone), refused here rather than by PostgreSQL. */
const timestamp = (value: FilterValue): FilterValue => {
  const date = typeof value === 'string' && ISO_TIME.test(value) ? new Date(value) : undefined;
  // Year 0 parses in JavaScript but not in PostgreSQL.
  if (!date || Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1) {
    throw validationError(`value for key 'created_at' must be a date or an RFC 3339 time with a zone`);
  }
  return date.toISOString();
};

const compareText = (column: string): FilterKey => ({ column, ops: 'compare' });
const matchText = (column: string): FilterKey => ({ column, ops: 'match' });

/** GET /v3/accounts (and dynamic pool queries). */
export const accountFilterSpec: FilterSpec = {
  keys: {
    id: compareText('accounts.id'),
    reference: compareText('accounts.reference'),
    connector_id: compareText('accounts.connector_id'),
    type: compareText('accounts.type'),
    default_asset: compareText('accounts.default_asset'),
    name: compareText('accounts.name'),
  },
  metadataColumn: 'accounts.metadata',
};

/** GET /v3/payments. `status` is the payment's current status; `created_at` (with $gte/$lt…) is a Paybridge extension. */
export const paymentFilterSpec: FilterSpec = {
  keys: {
    created_at: { column: 'payments.created_at', ops: 'compare', transform: timestamp },
    reference: matchText('payments.reference'),
    id: matchText('payments.id'),
    connector_id: matchText('payments.connector_id'),
    type: matchText('payments.type'),
    asset: matchText('payments.asset'),
    scheme: matchText('payments.scheme'),
    status: matchText('payments.status'),
    source_account_id: matchText('payments.source_account_id'),
    destination_account_id: matchText('payments.destination_account_id'),
    initial_amount: { column: 'payments.initial_amount', ops: 'compare', value: 'numeric' },
    amount: { column: 'payments.amount', ops: 'compare', value: 'numeric' },
  },
  metadataColumn: 'payments.metadata',
};

/** GET /v3/payment-initiations. `status` is the initiation's current status. */
export const paymentInitiationFilterSpec: FilterSpec = {
  keys: {
    reference: matchText('payment_initiations.reference'),
    id: matchText('payment_initiations.id'),
    connector_id: matchText('payment_initiations.connector_id'),
    type: matchText('payment_initiations.type'),
    asset: matchText('payment_initiations.asset'),
    status: matchText('payment_initiations.status'),
    source_account_id: matchText('payment_initiations.source_account_id'),
    destination_account_id: matchText('payment_initiations.destination_account_id'),
    amount: { column: 'payment_initiations.amount', ops: 'compare', value: 'numeric' },
  },
  metadataColumn: 'payment_initiations.metadata',
};

/** GET /v3/payment-initiations/{id}/adjustments. `status` is the adjustment's status. */
export const paymentInitiationAdjustmentFilterSpec: FilterSpec = {
  keys: {
    status: matchText('payment_initiation_adjustments.status'),
  },
  metadataColumn: 'payment_initiation_adjustments.metadata',
};

/** GET /v3/connectors. Providers are stored lower-case; `STRIPE` finds `stripe`. */
export const connectorFilterSpec: FilterSpec = {
  keys: {
    provider: { column: 'connectors.provider', ops: 'compare', transform: lowerCase },
    name: compareText('connectors.name'),
    id: compareText('connectors.id'),
  },
};

/** GET /v3/bank-accounts. */
export const bankAccountFilterSpec: FilterSpec = {
  keys: {
    name: matchText('bank_accounts.name'),
    country: matchText('bank_accounts.country'),
    id: matchText('bank_accounts.id'),
  },
  metadataColumn: 'bank_accounts.metadata',
};

/** GET /v3/payment-service-users. Formance allows `id` and metadata; `name` is ours (it is not sealed). */
export const psuFilterSpec: FilterSpec = {
  keys: {
    id: matchText('payment_service_users.id'),
    name: matchText('payment_service_users.name'),
  },
  metadataColumn: 'payment_service_users.metadata',
};

/** GET /v3/pools. `account_id` finds the pools an account belongs to (static pools). */
export const poolFilterSpec: FilterSpec = {
  keys: {
    name: matchText('pools.name'),
    id: matchText('pools.id'),
    account_id: {
      column: 'pools.id',
      ops: 'match',
      matches: (accountId) =>
        sql<SqlBool>`pools.id IN (SELECT pool_id FROM pool_accounts WHERE account_id = ${accountId})`,
    },
  },
};

/** GET /v3/connectors/{connectorID}/schedules. */
export const scheduleFilterSpec: FilterSpec = {
  keys: {
    id: matchText('schedules.id'),
    connector_id: matchText('schedules.connector_id'),
  },
};

/** GET /v3/orders. `status` is the order's current status. */
export const orderFilterSpec: FilterSpec = {
  keys: {
    reference: matchText('orders.reference'),
    id: matchText('orders.id'),
    connector_id: matchText('orders.connector_id'),
    direction: matchText('orders.direction'),
    source_asset: matchText('orders.source_asset'),
    destination_asset: matchText('orders.destination_asset'),
    type: matchText('orders.type'),
    status: matchText('orders.status'),
    time_in_force: matchText('orders.time_in_force'),
    base_quantity_ordered: { column: 'orders.base_quantity_ordered', ops: 'compare', value: 'numeric' },
    base_quantity_filled: { column: 'orders.base_quantity_filled', ops: 'compare', value: 'numeric' },
    limit_price: { column: 'orders.limit_price', ops: 'compare', value: 'numeric' },
    fee: { column: 'orders.fee', ops: 'compare', value: 'numeric' },
  },
  metadataColumn: 'orders.metadata',
};

/** GET /v3/conversions. */
export const conversionFilterSpec: FilterSpec = {
  keys: {
    reference: matchText('conversions.reference'),
    id: matchText('conversions.id'),
    connector_id: matchText('conversions.connector_id'),
    source_asset: matchText('conversions.source_asset'),
    destination_asset: matchText('conversions.destination_asset'),
    status: matchText('conversions.status'),
    source_account_id: matchText('conversions.source_account_id'),
    destination_account_id: matchText('conversions.destination_account_id'),
    source_amount: { column: 'conversions.source_amount', ops: 'compare', value: 'numeric' },
    destination_amount: { column: 'conversions.destination_amount', ops: 'compare', value: 'numeric' },
  },
  metadataColumn: 'conversions.metadata',
};

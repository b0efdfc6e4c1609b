// Counts the statements every pg.Client in this process sends, and the time each waits for its answer,
// by wrapping pg.Client.prototype.query. Cheap enough to leave on during the measurement.
import pg from 'pg';

export interface StatementStats {
  count: number;
  /** Client-observed latency (send → result), summed. */
  ms: number;
}

export type Classifier = (text: string) => string;

export class QueryCounter {
  readonly #ignored = new WeakSet<object>();
  #stats = new Map<string, StatementStats>();
  #original: ((...args: unknown[]) => unknown) | undefined;

  constructor(private readonly classify: Classifier) {}

  /** Statements sent by this client (e.g. the bench's own polling) are not counted. */
  ignore(client: object): void {
    this.#ignored.add(client);
  }

  install(): void {
    if (this.#original) return;
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    this.#original = original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const counter = this;
    proto.query = function (this: object, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      if (counter.#ignored.has(this)) return result;
      const first = args[0];
      const text =
        typeof first === 'string'
          ? first
          : first !== null && typeof first === 'object' && 'text' in first
            ? String((first as { text: unknown }).text)
            : '';
      const started = performance.now();
      const record = () => counter.#record(counter.classify(text), performance.now() - started);
      if (result instanceof Promise) result.then(record, record);
      else record();
      return result;
    };
  }

  uninstall(): void {
    if (!this.#original) return;
    (pg.Client.prototype as unknown as { query: unknown }).query = this.#original;
    this.#original = undefined;
  }

  reset(): void {
    this.#stats = new Map();
  }

  snapshot(): Map<string, StatementStats> {
    return new Map([...this.#stats].map(([k, v]) => [k, { ...v }]));
  }

  #record(kind: string, ms: number): void {
    const stats = this.#stats.get(kind) ?? { count: 0, ms: 0 };
    stats.count += 1;
    stats.ms += ms;
    this.#stats.set(kind, stats);
  }
}

export const QUEUE_KIND = 'pg-boss (queue)';

/** Names the statements the engine sends while ingesting, by the SQL they carry. */
export function classifyEngineStatement(text: string): string {
  const sql = text.replace(/\s+/g, ' ').trim();
  const head = sql.slice(0, 40).toLowerCase();
  if (head.startsWith('begin') || head.startsWith('start transaction')) return 'BEGIN';
  if (head.startsWith('commit')) return 'COMMIT';
  if (head.startsWith('rollback')) return 'ROLLBACK';
  if (/pgboss\./i.test(sql)) return QUEUE_KIND;
  if (/^INSERT INTO payments \(/i.test(sql)) return 'upsert payments';
  if (/INSERT INTO payment_adjustments/i.test(sql)) return 'insert adjustments + update payments';
  if (/WITH saved AS \( UPDATE schedules/i.test(sql)) return 'save page progress (cursor, lease)';
  if (/WITH leased AS/i.test(sql)) return 'start run (lease)';
  if (/INSERT INTO schedules/i.test(sql)) return 'upsert schedules';
  if (/INSERT INTO accounts|INSERT INTO balances|balances/i.test(sql)) return 'accounts/balances';
  return 'other';
}

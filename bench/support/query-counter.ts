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

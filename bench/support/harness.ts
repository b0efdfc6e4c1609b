// What every benchmark needs around its measurement: options from flags or the environment, cleanup that
// survives failures and Ctrl-C, and plain-text tables.

/** `--name value` or `--name=value` from argv; undefined when absent. */
export function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** A positive integer option (underscores allowed: 10_000); `fallback` when unset or empty. */
export function positiveInt(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${what} must be a positive integer, not "${text}"`);
  return value;
}

/** Cleanup steps, run newest first, each at most once, whatever failed before. */
export class Cleanup {
  #steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        console.error(
          `cleanup: ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}

/** Wraps a resource's release so that calling it twice (measurement end, then cleanup) releases once. */
export function once(release: () => Promise<unknown>): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await release();
  };
}

/**
 * Runs `main` with a Cleanup that runs when it ends, fails, or on Ctrl-C. `interrupted()` lets long
 * measurements stop early instead of reporting half a run.
 */
export async function runBenchmark(main: (cleanup: Cleanup, interrupted: () => boolean) => Promise<void>) {
  const cleanup = new Cleanup();
  let stopped = false;
  process.once('SIGINT', () => {
    stopped = true;
    console.error('\ninterrupted: stopping the services and dropping the databases…');
    void cleanup.runAll().finally(() => process.exit(130));
  });
  try {
    await main(cleanup, () => stopped);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    if (!stopped) await cleanup.runAll();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : 0);
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** Columns padded to their widest cell; `rightAligned[c]` for numeric columns. */
export function table(rows: string[][], rightAligned: boolean[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

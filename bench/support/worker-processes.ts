// Spawns `paybridge worker` processes (the built CLI, as deployed) with the statement probe preloaded, and
// talks to the probe: wait until a worker polls for jobs, reset its counters, collect what it counted.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StatementStats } from './query-counter.js';
import type { Cleanup } from './harness.js';
import type { ProbeReply, ProbeRequest } from './worker-probe.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PROBE = new URL('./worker-probe.js', import.meta.url).href;
const READY_TIMEOUT_MS = 60_000;
const REPLY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 20_000;
/** Lines of a worker's output kept to explain its death. */
const TAIL_LINES = 20;

export interface WorkerReport {
  statements: Map<string, StatementStats>;
  /** Successful PSP calls by method (FETCH_BALANCES, …). */
  pspCalls: Record<string, number>;
}

export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  readonly #waiting = new Map<ProbeReply['type'], (reply: ProbeReply) => void>();
  readonly #exited: Promise<number | null>;
  readonly #ready: Promise<ProbeReply>;
  #stopping = false;

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.#child = spawn(process.execPath, ['--import', PROBE, CLI, 'worker'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => this.#keep(chunk));
    }
    this.#child.on('message', (reply: ProbeReply) => {
      const resolve = this.#waiting.get(reply.type);
      this.#waiting.delete(reply.type);
      resolve?.(reply);
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    // Listen for 'ready' from the start: the worker may be up before anyone asks.
    this.#ready = this.#reply('ready', READY_TIMEOUT_MS);
    this.#ready.catch(() => undefined); // reported by ready(), if anyone asks
    void this.#exited.then((code) => {
      if (!this.#stopping) console.error(`${this.name} exited unexpectedly (${code}):\n${this.output()}`);
    });
  }

  /** Resolves once the worker's schedules claim loop first claims. */
  async ready(): Promise<void> {
    await this.#ready;
  }

  /** Zeroes the worker's statement and PSP-call counters (and waits until it did). */
  async reset(): Promise<void> {
    await this.#request({ type: 'reset' }, 'reset');
  }

  async report(): Promise<WorkerReport> {
    const reply = await this.#request({ type: 'report' }, 'report');
    if (reply.type !== 'report') throw new Error(`${this.name} answered ${reply.type} to report`);
    return { statements: new Map(reply.statements), pspCalls: reply.pspCalls };
  }

  /** SIGTERM (the worker finishes the work it holds), SIGKILL if that takes too long. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  /** The last lines the worker printed (its pino log, at the level it was given). */
  output(): string {
    return this.#tail.join('\n');
  }

  #keep(chunk: string): void {
    this.#tail.push(...chunk.split('\n').filter((line) => line.length > 0));
    this.#tail.splice(0, Math.max(0, this.#tail.length - TAIL_LINES));
  }

  async #request(request: ProbeRequest, expect: ProbeReply['type']): Promise<ProbeReply> {
    const reply = this.#reply(expect, REPLY_TIMEOUT_MS);
    this.#child.send(request);
    return reply;
  }

  #reply(type: ProbeReply['type'], timeoutMs: number): Promise<ProbeReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(type);
        reject(new Error(`${this.name} did not answer "${type}" within ${timeoutMs} ms:\n${this.output()}`));
      }, timeoutMs);
      void this.#exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) while waiting for "${type}":\n${this.output()}`));
      });
      this.#waiting.set(type, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }
}

/** Starts `count` workers on the same settings and waits until every one of them polls for jobs. */
export async function startWorkers(
  count: number,
  env: NodeJS.ProcessEnv,
  cleanup: Cleanup,
): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: count }, (_, i) => new WorkerProcess(`worker ${i + 1}`, env));
  for (const worker of workers) cleanup.add(`stop ${worker.name}`, () => worker.stop());
  await Promise.all(workers.map((worker) => worker.ready()));
  return workers;
}

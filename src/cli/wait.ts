// Waiting for the service: polling with a deadline, progress on stderr, and the wait for a task to end.
import type { ApiClient } from './client.js';
import { isRecord } from './client.js';
import { WaitFailedError, WaitTimeoutError } from './errors.js';
import { movementLine, parseStepNote } from './movements.js';
import type { Row } from './output.js';

const POLL_INTERVAL_MS = 500;

/**
 * Progress of a wait on stderr, so stdout stays clean for scripts. On a terminal one line is rewritten in
 * place; elsewhere (CI logs, pipes) a line is written only when the message changes.
 */
export class Progress {
  private readonly started = Date.now();
  private last = '';
  private lastKey: string | undefined;
  private open = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /**
   * Shows `message`. Off a terminal a line is written only when `key` (by default the message itself)
   * changes, so a message with a countdown in it gives one line per change of what it reports.
   */
  update(message: string, key = message): void {
    const line = `${message} (${this.elapsed()})`;
    if (this.stream.isTTY) {
      // A line wider than the terminal would wrap, and only its last row would be rewritten.
      const width = this.stream.columns > 1 ? this.stream.columns - 1 : line.length;
      this.stream.write(`\r\u001b[K${line.slice(0, width)}`);
      this.open = true;
    } else if (key !== this.lastKey) {
      this.stream.write(`${line}\n`);
    }
    this.last = message;
    this.lastKey = key;
  }

  /** Whether `key` differs from the last update's (false before the first update). */
  changes(key: string): boolean {
    return this.lastKey !== undefined && key !== this.lastKey;
  }

  /** Ends a line rewritten in place, keeping it: the next update starts a new line. */
  keep(): void {
    if (!this.open) return;
    this.stream.write('\n');
    this.open = false;
  }

  /** Ends the progress line with a final message. */
  finish(message: string): void {
    if (this.open) this.stream.write('\r\u001b[K');
    else if (message === this.last) return; // already the last line written
    this.open = false;
    this.stream.write(`${message} (${this.elapsed()})\n`);
  }

  elapsed(): string {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    return seconds < 60
      ? `${seconds}s`
      : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  }
}

/** Calls `step` until it answers a value; past `timeoutMs` throws WaitTimeoutError naming `what`. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  step: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await step();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))),
    );
  }
}

export interface Task {
  id: string;
  status: string;
  error?: string;
  createdObjectID?: string;
  raw: Record<string, unknown>;
}

export async function readTask(client: ApiClient, taskID: string): Promise<Task> {
  const data = await client.data('GET', `/tasks/${encodeURIComponent(taskID)}`);
  const raw = isRecord(data) ? data : {};
  return {
    id: typeof raw.id === 'string' ? raw.id : taskID,
    status: typeof raw.status === 'string' ? raw.status : 'UNKNOWN',
    ...(typeof raw.error === 'string' && raw.error !== '' ? { error: raw.error } : {}),
    ...(typeof raw.createdObjectID === 'string' && raw.createdObjectID !== ''
      ? { createdObjectID: raw.createdObjectID }
      : {}),
    raw,
  };
}

/**
 * Polls a task until it is SUCCEEDED (answered) or FAILED (WaitFailedError), showing its status and the
 * time elapsed. `label` names the work in the progress line (`uninstall`, `reset`, …).
 */
export async function waitForTask(
  client: ApiClient,
  taskID: string,
  label: string,
  timeoutMs: number,
): Promise<Task> {
  const progress = new Progress();
  const task = await pollUntil(`task ${taskID} (${label})`, timeoutMs, async () => {
    const current = await readTask(client, taskID);
    // The task id (long) was printed when the task started; the rewritten line must fit a terminal row.
    progress.update(`${label}: ${current.status}`);
    return current.status === 'PROCESSING' ? undefined : current;
  }).catch((error: unknown) => {
    progress.finish(`${label}: still running`);
    throw error;
  });
  progress.finish(`${label}: ${task.status}`);
  if (task.status !== 'SUCCEEDED') {
    throw new WaitFailedError(
      `${label} failed: task ${taskID} is ${task.status}${task.error ? `: ${task.error}` : ''}`,
    );
  }
  return task;
}

/** What the wait for a payment initiation's task ended with. */
export interface MovementOutcome {
  task: Task;
  /** The payment the PSP answered for this work (the newest one linked or changed since it started). */
  payment?: Row;
}

/**
 * The payments an initiation is linked to, newest first, with their status: what the PSP reports. Taken
 * before an action, it tells the payments of earlier attempts from the one this action makes.
 */
export async function relatedPayments(client: ApiClient, initiationID: string): Promise<Row[]> {
  const page = await client.page(`/payment-initiations/${encodeURIComponent(initiationID)}/payments`, {
    pageSize: '20',
  });
  return page.items.filter(isRecord);
}

/**
 * Follows the task of an initiation's approval, retry or reversal until it ends, showing on stderr what
 * the PSP reports (the status of the payment it answered, a new line each time it changes) and, while
 * Paybridge waits on the PSP, when it checks again (from the task's note, see the engine's `stepNote`).
 * Answers the finished task, whatever its status: the caller says what a failure means.
 */
export async function waitForMovement(
  client: ApiClient,
  wait: {
    initiationID: string;
    taskID: string;
    /** `payout`, `transfer`: what the PSP is asked to make. */
    kind: string;
    /** Names the work in the progress lines (`approve`, `retry`, …). */
    label: string;
    timeoutMs: number;
    /** The related payments before the action (id → status); only a new or changed one is this work's. */
    before: ReadonlyMap<string, string>;
  },
): Promise<MovementOutcome> {
  const progress = new Progress();
  let payment: Row | undefined;
  const outcome = await pollUntil(`task ${wait.taskID} (${wait.label})`, wait.timeoutMs, async () => {
    const task = await readTask(client, wait.taskID);
    const payments = await relatedPayments(client, wait.initiationID);
    payment =
      payments.find((p) => {
        const seen = wait.before.get(String(p.id));
        return seen === undefined || seen !== p.status;
      }) ?? payment;
    const pspStatus = typeof payment?.status === 'string' ? payment.status : undefined;
    const note = parseStepNote(task.status === 'PROCESSING' ? task.error : undefined);
    const line = movementLine(wait.kind, {
      taskStatus: task.status,
      ...(pspStatus ? { pspStatus } : {}),
      ...(note ? { note } : {}),
    });
    // On a terminal, each new piece of news keeps its own line, so the PSP's statuses stay on screen.
    if (progress.changes(line.key)) progress.keep();
    progress.update(`${wait.label}: ${line.message}`, line.key);
    return task.status === 'PROCESSING' ? undefined : task;
  }).catch((error: unknown) => {
    progress.finish(`${wait.label}: still running`);
    const status = typeof payment?.status === 'string' ? payment.status : undefined;
    if (error instanceof WaitTimeoutError && status) {
      throw new WaitTimeoutError(
        `${error.message}; the PSP still reports the ${wait.kind} ${status}, and Paybridge keeps ` +
          `checking without this command (paybridge tasks get ${wait.taskID} --wait follows it)`,
      );
    }
    throw error;
  });
  progress.keep(); // the PSP's last word stays on screen above the outcome
  progress.finish(`${wait.label}: task ${outcome.status}`);
  return { task: outcome, ...(payment ? { payment } : {}) };
}

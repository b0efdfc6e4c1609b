// Waiting for the service: polling with a deadline, progress on stderr, and the wait for a task to end.
import type { ApiClient } from './client.js';
import { isRecord } from './client.js';
import { WaitFailedError, WaitTimeoutError } from './errors.js';

const POLL_INTERVAL_MS = 500;

/**
 * Progress of a wait on stderr, so stdout stays clean for scripts. On a terminal one line is rewritten in
 * place; elsewhere (CI logs, pipes) a line is written only when the message changes.
 */
export class Progress {
  private readonly started = Date.now();
  private last = '';
  private open = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(message: string): void {
    const line = `${message} (${this.elapsed()})`;
    if (this.stream.isTTY) {
      // A line wider than the terminal would wrap, and only its last row would be rewritten.
      const width = this.stream.columns > 1 ? this.stream.columns - 1 : line.length;
      this.stream.write(`\r\u001b[K${line.slice(0, width)}`);
      this.open = true;
    } else if (message !== this.last) {
      this.stream.write(`${line}\n`);
    }
    this.last = message;
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

// Money movement in words: an initiation as a person names it, what its task is waiting for, and a PSP's
// message with its amounts in major units.
import { formatAmount } from '../domain/amount-format.js';
import { formatMoney, type Row, text } from './output.js';

/**
 * Amounts a PSP's message gives in minor units with their asset (`12345 EUR/2`, the notation the engine
 * and the Generic contract use) rewritten in major units (`123.45 EUR`). Anything else is left as is.
 */
export function majorUnitsIn(message: string): string {
  return message.replace(
    /(?<![\w.])(-?\d+) ([A-Z][A-Z0-9]{0,15}\/\d{1,2})(?![\w/])/g,
    (whole, amount: string, asset: string) => {
      try {
        return formatAmount(amount, asset);
      } catch {
        return whole;
      }
    },
  );
}

/** `payout 'po-1' (10.50 EUR)`: the initiation by its type, reference and amount. */
export function describeInitiation(pi: Row): string {
  const type = typeof pi.type === 'string' && pi.type !== '' ? pi.type.toLowerCase() : 'payment initiation';
  return `${type} '${text(pi.reference)}' (${formatMoney(pi.amount, pi.asset)})`;
}

/** What a running task's `error` says while its step waits (the engine's `stepNote`), read back. */
export interface StepNote {
  reason: string;
  nextCheckAt: Date;
}

const NOTE = /^(.*); next check at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/s;

export function parseStepNote(value: string | undefined): StepNote | undefined {
  const match = value === undefined ? null : NOTE.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  const nextCheckAt = new Date(match[2]);
  return Number.isNaN(nextCheckAt.getTime()) ? undefined : { reason: match[1], nextCheckAt };
}

/** `in 8s`, `in 1m05s`, or `now` once the time has come (the check is then under way). */
export function inTime(at: Date, now = Date.now()): string {
  const seconds = Math.ceil((at.getTime() - now) / 1000);
  if (seconds <= 0) return 'now';
  return seconds < 60
    ? `in ${seconds}s`
    : `in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * One line of a movement's progress: what the PSP reports (the status of the payment it answered), or
 * else why the step waits; when Paybridge looks again; and, while the PSP holds the payment, that the
 * wait ends only when the PSP settles or fails it. `key` changes only when the news does (not with the
 * countdown), so a log gets one line per change.
 */
export function movementLine(
  kind: string,
  state: { taskStatus: string; pspStatus?: string; note?: StepNote },
  now = Date.now(),
): { message: string; key: string } {
  const { taskStatus, pspStatus, note } = state;
  const running = taskStatus === 'PROCESSING';
  const again = running && note ? `; Paybridge checks again ${inTime(note.nextCheckAt, now)}` : '';
  if (pspStatus !== undefined) {
    const waiting = running ? `${again}; it ends when the PSP settles or fails it` : '';
    return {
      message: `the PSP reports the ${kind} ${pspStatus}${waiting}`,
      key: `psp ${pspStatus} ${running}`,
    };
  }
  if (running && note) {
    const reason = majorUnitsIn(note.reason);
    return { message: `${reason}${again}`, key: `note ${note.reason}` };
  }
  if (running) return { message: `asking the PSP to make the ${kind}`, key: 'asking' };
  return { message: `task ${taskStatus}`, key: `task ${taskStatus}` };
}

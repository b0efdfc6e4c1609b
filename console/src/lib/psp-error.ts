// A money movement's error as an operator reads it: the PSP's own message and code, amounts in major
// units, the HTTP status apart; the raw text stays available for a bug report.
import { formatAmount } from '../../../src/domain/amount-format.js';

export interface ReadableError {
  /** The PSP's message (or ours), amounts in major units. */
  message: string;
  /** The PSP's machine-readable code, e.g. INSUFFICIENT_FUNDS. */
  code?: string;
  /** The HTTP status the PSP answered. */
  status?: number;
  /** Whether the outcome is unknown (the engine retries), rather than a refusal. */
  unknownOutcome: boolean;
  raw: string;
}

const MESSAGE_FIELDS = [
  'message',
  'Message',
  'detail',
  'error_description',
  'errorMessage',
  'description',
  'reason',
];
const CODE_FIELDS = ['code', 'Code', 'error_code', 'errorCode', 'title'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textField(body: Record<string, unknown>, fields: string[]): string | undefined {
  for (const field of fields) {
    const value = body[field];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

/** The message and code of a JSON error body, however deep the PSP nests them (`error.message`, `errors[0]`). */
function fromJson(body: unknown, depth = 0): { message?: string; code?: string } {
  if (depth > 3) return {};
  if (Array.isArray(body)) return body.length > 0 ? fromJson(body[0], depth + 1) : {};
  if (!isRecord(body)) return {};
  const message = textField(body, MESSAGE_FIELDS);
  const code = textField(body, CODE_FIELDS);
  if (message || code) return { message, code };
  for (const field of ['error', 'errors', 'fault']) {
    const value = body[field];
    if (typeof value === 'string' && value.trim()) return { message: value.trim() };
    const nested = fromJson(value, depth + 1);
    if (nested.message || nested.code) return nested;
  }
  return {};
}

/** `12500 EUR/2` → `125.00 EUR` everywhere in a text; `amounts` (known minor values of `asset`) too. */
export function majorUnitsIn(text: string, asset?: string, amounts: (bigint | number)[] = []): string {
  let out = text.replace(/(?<![\w.])(-?\d+) ([A-Z][A-Z0-9]{0,16}(?:_[A-Z]{1,16})?\/\d{1,2})\b/g, (_, n, a) =>
    formatAmount(String(n), String(a), 'en-US'),
  );
  if (asset) {
    // A bare number that is exactly the initiation's amount ("less than 100000") is that amount.
    for (const amount of new Set(amounts.map(String))) {
      if (!/^\d{2,}$/.test(amount)) continue;
      out = out.replace(new RegExp(`(?<![\\w.,/-])${amount}(?![\\w.,/]|\\s+[A-Z]{3})`, 'g'), () =>
        formatAmount(amount, asset, 'en-US'),
      );
    }
  }
  return out;
}

/**
 * Reads an error recorded on an initiation, adjustment or task. Understands the engine's forms
 * (`<host> refused the request (422): CODE: message`, `outcome unknown: …`, `answered 503…`) and a JSON
 * body in it; anything else is kept as it is, amounts converted.
 */
export function readableError(raw: string, asset?: string, amounts: (bigint | number)[] = []): ReadableError {
  let text = raw.trim();
  let unknownOutcome = false;
  const unknown = /^outcome unknown:\s*/.exec(text);
  if (unknown) {
    unknownOutcome = true;
    text = text.slice(unknown[0].length);
  }
  let status: number | undefined;
  const refused = /^(?:\S+ )?(?:refused the request \((\d{3})\)|answered (\d{3})[^:]*)(?::\s*|$)/.exec(text);
  if (refused) {
    status = Number(refused[1] ?? refused[2]);
    text = text.slice(refused[0].length);
  }
  let code: string | undefined;
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open >= 0 && close > open) {
    try {
      const parsed = fromJson(JSON.parse(text.slice(open, close + 1)));
      if (parsed.message || parsed.code) {
        code = parsed.code;
        let before = text.slice(0, open).replace(/[\s:;-]+$/, '');
        // `… (HTTP 401: {…})`: the status goes apart, the sentence keeps its words.
        before = before.replace(/\s*\(HTTP (\d{3})$/, (_, code: string) => {
          status = Number(code);
          return '';
        });
        text = parsed.message ?? '';
        if (before && !refused) text = text ? `${before}: ${text}` : before;
      }
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  if (!code) {
    const coded = /^([A-Z][A-Z0-9_]{2,}):\s+(.+)$/s.exec(text);
    if (coded) {
      code = coded[1];
      text = coded[2] ?? '';
    }
  }
  if (!text) text = code ? code.replace(/_/g, ' ').toLowerCase() : raw;
  // A sentence starts with a capital; a host name (`psp.example refused …`) keeps its case.
  const sentence = /^[a-z]+\s/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  const message = majorUnitsIn(sentence, asset, amounts);
  return {
    message,
    ...(code ? { code } : {}),
    ...(status !== undefined ? { status } : {}),
    unknownOutcome,
    raw,
  };
}

// Which strings PostgreSQL can store as text and jsonb: well-formed Unicode without NUL, checked in JSON values too.

/** Why a string cannot be stored as text, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  // PostgreSQL refuses U+0000 in text and jsonb; a lone surrogate is not Unicode at all (jsonb refuses it too,
  // and UTF-8 cannot encode it).
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (!text.isWellFormed()) return 'contains an unpaired surrogate (not valid Unicode)';
  return undefined;
}

/** The text made storable: lone surrogates and NUL replaced by U+FFFD (for what is recorded, not refused). */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** A refused JSON value: where it is (`metadata.k`, `adjustments.0.reference`, …) and why. */
export interface JsonProblem {
  path: string;
  problem: string;
}

/** Keys that cannot be stored faithfully in a JavaScript object: assigning them changes the prototype instead. */
const UNSAFE_KEYS = new Set(['__proto__']);

/** Quotes a key for a path when it is not a plain word, and never lets a refused string into a message. */
function pathStep(key: string): string {
  if (/^[A-Za-z0-9_$-]{1,64}$/.test(key)) return key;
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  // JSON quoting escapes NUL and lone surrogates (as \u0000, \ud800), so the message itself is valid text.
  return JSON.stringify(shown);
}

/**
 * The first string (value or key, at any depth) that cannot be stored, or the first `__proto__` key, in a
 * parsed JSON value. Iterative, so a deeply nested value cannot exhaust the stack.
 */
export function findJsonProblem(value: unknown, root = ''): JsonProblem | undefined {
  const pending: [unknown, string][] = [[value, root]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return { path, problem };
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], join(path, String(i))]);
    } else if (isPlainObject(item)) {
      const keys = Object.keys(item);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const where = join(path, pathStep(key));
        if (UNSAFE_KEYS.has(key)) return { path: where, problem: `uses the reserved key '${key}'` };
        const problem = textProblem(key);
        if (problem) return { path: where, problem: `has a key that ${problem}` };
        pending.push([item[key], where]);
      }
    }
  }
  return undefined;
}

function join(path: string, step: string): string {
  return path === '' ? step : `${path}.${step}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

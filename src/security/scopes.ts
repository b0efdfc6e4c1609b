// The API's OAuth scopes, as Formance names them, and how a granted set answers for a required one.

export const SCOPES = ['payments:read', 'payments:write', 'payments:admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'payments:read': 'Read connectors, accounts, balances, payments, initiations, pools, …',
  'payments:write': 'Everything else the API changes (implies payments:read)',
  'payments:admin': 'Read the audit trail (granted apart: it implies neither of the others)',
};

/** What `clients create` grants when no `--scopes` is given. */
export const DEFAULT_CLIENT_SCOPES: readonly Scope[] = ['payments:read', 'payments:write'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** True when `granted` allows `required`: payments:write implies payments:read, as in Formance. */
export function allows(granted: ReadonlySet<string>, required: Scope): boolean {
  if (granted.has(required)) return true;
  return required === 'payments:read' && granted.has('payments:write');
}

/** Space-separated scope text (OAuth's form) to a list, in the order of SCOPES and without repeats. */
export function scopeList(text: string): Scope[] {
  const words = new Set(text.split(' ').filter(Boolean));
  return SCOPES.filter((scope) => words.has(scope));
}

export function scopeText(scopes: Iterable<Scope>): string {
  const set = new Set(scopes);
  return SCOPES.filter((scope) => set.has(scope)).join(' ');
}

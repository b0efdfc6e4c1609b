// Who may call what: the one table of public routes, and the scope every other route needs.
import type { Scope } from '../../security/scopes.js';

export type Access = { kind: 'public' } | { kind: 'scope'; scope: Scope };

export const TOKEN_PATHS = ['/api/auth/oauth/token', '/oauth/token'] as const;
export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** PSP webhook ingress: PSPs carry no token; deliveries prove themselves with their own signatures. */
const WEBHOOK_INGRESS = [
  '/v3/connectors/webhooks/:connectorID/*',
  '/api/payments/v3/connectors/webhooks/:connectorID/*',
];

export function isWebhookIngress(route: string): boolean {
  return WEBHOOK_INGRESS.includes(route);
}

/** Read routes open to anyone. The console's files hold no data, and the console must load to ask for credentials. */
const PUBLIC_READS = new Set([
  '/_healthcheck',
  '/_info',
  '/api/payments/_info',
  JWKS_PATH,
  DISCOVERY_PATH,
  '/',
  '/console',
]);

/** The audit trail says who did what: neither payments:read nor payments:write is enough to read it. */
const ADMIN_READS = new Set(['/v3/audit', '/api/payments/v3/audit']);

export interface AccessOptions {
  metricsPublic: boolean;
}

/**
 * The access rule of a request, from its method and the route pattern it matched (`undefined` when no route
 * matched: such a request needs a token like any other, so nothing can be learnt without one). Patterns,
 * not raw URLs, so that no spelling of a path (encodings, dot segments, a trailing slash) can change the rule.
 */
export function accessFor(method: string, route: string | undefined, options: AccessOptions): Access {
  const read = method === 'GET' || method === 'HEAD';
  if (route !== undefined) {
    if (isWebhookIngress(route)) return { kind: 'public' };
    if (method === 'POST' && (TOKEN_PATHS as readonly string[]).includes(route)) return { kind: 'public' };
    if (read) {
      if (PUBLIC_READS.has(route) || route.startsWith('/console/')) return { kind: 'public' };
      if (route === '/metrics' && options.metricsPublic) return { kind: 'public' };
      if (ADMIN_READS.has(route)) return { kind: 'scope', scope: 'payments:admin' };
    }
  }
  return { kind: 'scope', scope: read ? 'payments:read' : 'payments:write' };
}

// Resolves the tenant of a request from its `Authorization: Bearer <key>` header.
import type { FastifyRequest } from 'fastify';
import { unauthorizedError } from './errors.js';
import type { Tenant, TenantRegistry } from './store.js';

const BEARER = /^Bearer[ \t]+(\S.*)$/i;

/** The caller's tenant, created on first use; a missing or empty key is a 401. */
export function tenantOf(request: FastifyRequest, registry: TenantRegistry): Tenant {
  const header = request.headers.authorization;
  const key = header === undefined ? undefined : BEARER.exec(header)?.[1]?.trim();
  if (!key) throw unauthorizedError('send the API key as "Authorization: Bearer <key>"');
  return registry.get(key);
}

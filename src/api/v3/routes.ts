// The v3 API: every resource module, mounted once per prefix.
import type { FastifyPluginAsync } from 'fastify';
import { accountRoutes } from './accounts.js';
import { auditRoutes } from './audit.js';
import { bankAccountRoutes } from './bank-accounts.js';
import type { V3Options } from './common.js';
import { connectorCountRoutes } from './connector-counts.js';
import { connectorRoutes } from './connectors.js';
import { orderRoutes } from './orders.js';
import { paymentServiceUserRoutes } from './payment-service-users.js';
import { paymentInitiationRoutes } from './payment-initiations.js';
import { paymentRoutes } from './payments.js';
import { paymentReportRoutes } from './payment-reports.js';
import { poolRoutes } from './pools.js';
import { taskRoutes } from './tasks.js';
import { webhookListRoutes } from './webhooks.js';

export const v3Routes: FastifyPluginAsync<V3Options> = async (app, { deps, debug, hidden }) => {
  // Pass only our options on: Fastify's own (prefix) would otherwise be applied a second time.
  const options: V3Options = { deps, debug, hidden };
  await app.register(connectorRoutes, options);
  // Paybridge extension: what an uninstall or reset would delete.
  await app.register(connectorCountRoutes, options);
  await app.register(accountRoutes, options);
  await app.register(paymentRoutes, options);
  // Paybridge extensions: /payments/totals, /payments/export.csv, /payments/:paymentID/events.
  await app.register(paymentReportRoutes, options);
  await app.register(taskRoutes, options);
  await app.register(poolRoutes, options);
  await app.register(bankAccountRoutes, options);
  await app.register(paymentInitiationRoutes, options);
  await app.register(webhookListRoutes, options);
  await app.register(paymentServiceUserRoutes, options);
  await app.register(auditRoutes, options);
  await app.register(orderRoutes, options);
};

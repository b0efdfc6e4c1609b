// v3 connector routes: install, list, configs, capabilities, config read/update, uninstall, schedules.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findConnector, listConnectors } from '../../connectors/sdk/registry.js';
import { connectorIdCodec } from '../../domain/ids.js';
import { configCatalogEntry, maskConfig } from '../../engine/lifecycle/connector-config.js';
import { decryptConfig } from '../../engine/lifecycle/connector-instance.js';
import {
  installConnector,
  resumeSchedule,
  readConnectorConfig,
  updateConnectorConfig,
} from '../../engine/lifecycle/connectors.js';
import { resetConnector, uninstallConnector } from '../../engine/lifecycle/removal.js';
import { connectorsQuery } from '../../storage/connectors.js';
import { instancesQuery, schedulesQuery } from '../../storage/schedules.js';
import { invalidBodyError, notFoundError, validationError } from '../errors.js';
import { paginate, readPageRequest } from '../pagination.js';
import { FILTER_BODY } from '../request-guard.js';
import { connectorFilterSpec, scheduleFilterSpec } from '../../storage/query-filter.js';
import {
  cursorEnvelope,
  cursorOf,
  dataOf,
  encodedIdParam,
  errorResponse,
  listQuerystring,
  noContent,
  type V3Options,
} from './common.js';
import { presentConnector, presentInstance, presentSchedule, titleCase } from './presenters.js';
import * as S from './schemas.js';

/** Connector configs are small; a larger body is refused with 413 before it is parsed. */
const CONFIG_BODY_LIMIT = 500_000;

const connectorParams = z.object({ connectorID: encodedIdParam('connector') });
const scheduleParams = connectorParams.extend({
  scheduleID: z.string().describe('Schedule id, as listed by the schedules route'),
});
const configBody = z
  .record(z.string(), z.unknown())
  .describe('Provider config: name, pollingPeriod, pageSize and provider fields');

/** Parses a path connector id; an undecodable one is 400 INVALID_ID. */
function connectorIdParam(text: string): string {
  connectorIdCodec.decode(text);
  return text;
}

function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw invalidBodyError('missing request body');
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidBodyError('body must be a JSON object');
  return body as Record<string, unknown>;
}

function visibleRegistrations(debug: boolean) {
  return listConnectors().filter((r) => debug || !r.hidden);
}

export const connectorRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, debug, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['connectors'];

  server.get(
    '/connectors',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.connector), 400: errorResponse },
      },
    },
    async (request) => {
      const page = await paginate(connectorsQuery(deps.db), readPageRequest(request.query, request.body), {
        createdAt: 'connectors.created_at',
        sortId: 'connectors.sort_id',
        filter: connectorFilterSpec,
      });
      return cursorEnvelope(page, (row) => {
        const registration = findConnector(row.provider);
        const stored = decryptConfig(deps.keyring, row.config_encrypted);
        const config = registration ? maskConfig(registration, stored) : {};
        return presentConnector(row, config, registration ? [...registration.capabilities] : []);
      });
    },
  );

  server.post(
    '/connectors/install/:connector',
    {
      bodyLimit: CONFIG_BODY_LIMIT,
      schema: {
        hide: hidden,
        tags,
        params: z.object({
          connector: z.string().describe('Provider, as listed by /connectors/configs (any case)'),
        }),
        body: configBody.nullish(),
        response: {
          202: dataOf(z.string().describe('connector id')),
          400: errorResponse,
          413: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const provider = request.params.connector.toLowerCase();
      if (!findConnector(provider)) throw validationError(`unknown connector provider '${provider}'`);
      const id = await installConnector(deps, provider, requireObjectBody(request.body));
      return reply.status(202).send({ data: id });
    },
  );

  server.get(
    '/connectors/configs',
    {
      schema: {
        hide: hidden,
        tags,
        response: { 200: dataOf(z.record(z.string(), z.record(z.string(), S.configEntry))) },
      },
    },
    async () => ({
      data: Object.fromEntries(
        visibleRegistrations(debug).map((r) => [r.provider, configCatalogEntry(r, deps.limits)]),
      ),
    }),
  );

  server.get(
    '/connectors/capabilities',
    {
      schema: {
        hide: hidden,
        tags,
        response: { 200: dataOf(z.record(z.string(), z.array(S.capability))), 304: noContent },
      },
    },
    async (request, reply) => {
      const body = {
        data: Object.fromEntries(visibleRegistrations(debug).map((r) => [r.provider, r.capabilities])),
      };
      const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('hex')}"`;
      reply.header('etag', etag).header('cache-control', 'public, max-age=3600, must-revalidate');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return body;
    },
  );

  server.delete(
    '/connectors/:connectorID',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 202: dataOf(z.object({ taskID: z.string() })), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const taskID = await uninstallConnector(deps, connectorIdParam(request.params.connectorID));
      return reply.status(202).send({ data: { taskID } });
    },
  );

  server.post(
    '/connectors/:connectorID/reset',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 202: dataOf(z.string().describe('task id')), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      // A bare task id, unlike uninstall's {taskID}: that is what the SDK expects.
      const taskId = await resetConnector(deps, connectorIdParam(request.params.connectorID));
      return reply.status(202).send({ data: taskId });
    },
  );

  server.get(
    '/connectors/:connectorID/config',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 200: dataOf(z.record(z.string(), z.unknown())), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { row, config } = await readConnectorConfig(deps, connectorIdParam(request.params.connectorID));
      const registration = findConnector(row.provider);
      const masked = registration ? maskConfig(registration, config) : {};
      return { data: { ...masked, provider: titleCase(row.provider) } };
    },
  );

  server.patch(
    '/connectors/:connectorID/config',
    {
      bodyLimit: CONFIG_BODY_LIMIT,
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        body: configBody.nullish(),
        response: { 204: noContent, 400: errorResponse, 404: errorResponse, 413: errorResponse },
      },
    },
    async (request, reply) => {
      await updateConnectorConfig(
        deps,
        connectorIdParam(request.params.connectorID),
        requireObjectBody(request.body),
      );
      return reply.status(204).send();
    },
  );

  server.get(
    '/connectors/:connectorID/capabilities',
    {
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        response: { 200: dataOf(z.array(S.capability)), 404: errorResponse },
      },
    },
    async (request) => {
      const { row } = await readConnectorConfig(deps, connectorIdParam(request.params.connectorID));
      return { data: findConnector(row.provider)?.capabilities ?? [] };
    },
  );

  server.get(
    '/connectors/:connectorID/schedules',
    {
      config: FILTER_BODY,
      schema: {
        hide: hidden,
        tags,
        params: connectorParams,
        querystring: listQuerystring,
        response: { 200: cursorOf(S.schedule), 400: errorResponse },
      },
    },
    async (request) => {
      const connectorId = connectorIdParam(request.params.connectorID);
      const query = schedulesQuery(deps.db).where('schedules.connector_id', '=', connectorId);
      const page = await paginate(query, readPageRequest(request.query, request.body), {
        createdAt: 'schedules.created_at',
        sortId: 'schedules.sort_id',
        filter: scheduleFilterSpec,
      });
      return cursorEnvelope(page, presentSchedule);
    },
  );

  server.get(
    '/connectors/:connectorID/schedules/:scheduleID',
    {
      schema: {
        hide: hidden,
        tags,
        params: scheduleParams,
        response: { 200: dataOf(S.schedule), 404: errorResponse },
      },
    },
    async (request) => {
      const connectorId = connectorIdParam(request.params.connectorID);
      const row = await schedulesQuery(deps.db)
        .where('schedules.connector_id', '=', connectorId)
        .where('schedules.id', '=', request.params.scheduleID)
        .executeTakeFirst();
      if (!row) throw notFoundError('schedule not found');
      return { data: presentSchedule(row) };
    },
  );

  // Not in Formance's API: resumes a schedule that paused after repeated failures (a config update
  // resumes all of a connector's schedules).
  server.post(
    '/connectors/:connectorID/schedules/:scheduleID/resume',
    {
      schema: {
        hide: hidden,
        tags,
        params: scheduleParams,
        response: { 204: noContent, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await resumeSchedule(deps, connectorIdParam(request.params.connectorID), request.params.scheduleID);
      return reply.status(204).send();
    },
  );

  server.get(
    '/connectors/:connectorID/schedules/:scheduleID/instances',
    {
      schema: {
        hide: hidden,
        tags,
        params: scheduleParams,
        // The instances of one schedule take no filter (as in Formance).
        querystring: listQuerystring.omit({ query: true }),
        response: { 200: cursorOf(S.instance), 400: errorResponse },
      },
    },
    async (request) => {
      const connectorId = connectorIdParam(request.params.connectorID);
      const query = instancesQuery(deps.db)
        .where('schedule_instances.connector_id', '=', connectorId)
        .where('schedule_instances.schedule_id', '=', request.params.scheduleID);
      const page = await paginate(query, readPageRequest(request.query, undefined), {
        createdAt: 'schedule_instances.created_at',
        sortId: 'schedule_instances.sort_id',
      });
      return cursorEnvelope(page, presentInstance);
    },
  );
};

// v3 task route: the status of background work (uninstall, …).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { taskIdCodec } from '../../domain/ids.js';
import { findTask } from '../../storage/tasks.js';
import { notFoundError } from '../errors.js';
import { dataOf, encodedIdParam, errorResponse, type V3Options } from './common.js';
import { presentTask } from './presenters.js';
import * as S from './schemas.js';

export const taskRoutes: FastifyPluginAsync<V3Options> = async (app, { deps, hidden }) => {
  const server = app.withTypeProvider<ZodTypeProvider>();
  server.get(
    '/tasks/:taskID',
    {
      schema: {
        hide: hidden,
        tags: ['tasks'],
        params: z.object({ taskID: encodedIdParam('task') }),
        response: { 200: dataOf(S.task), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      taskIdCodec.decode(request.params.taskID);
      const row = await findTask(deps.db, request.params.taskID);
      if (!row) throw notFoundError('task not found');
      return { data: presentTask(row) };
    },
  );
};

// Install-time config of the Column connector: the API key and the API host.
import { z } from 'zod';
import { endpointField } from '../sdk/config.js';
import { secret } from '../sdk/registry.js';

/** Column serves sandbox and production from one host: the key's prefix (test_ or live_) picks the environment. */
export const COLUMN_API = 'https://api.column.com';

export const columnConfig = z.object({
  apiKey: secret(
    z
      .string({ error: 'apiKey is required' })
      .min(1, { error: 'apiKey is required' })
      .describe(
        'Column API key (test_… for the sandbox, live_… for production); sent as the Basic-auth password',
      ),
  ),
  endpoint: endpointField(COLUMN_API),
});

export type ColumnConfig = z.infer<typeof columnConfig>;

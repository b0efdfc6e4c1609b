// What every benchmark starts with: a statement counter on this process's pg clients, and a temp folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './harness.js';
import { QueryCounter } from './query-counter.js';
import { classifyStatement } from './statement-kinds.js';

export async function benchWorkspace(
  cleanup: Cleanup,
  prefix: string,
): Promise<{ counter: QueryCounter; root: string }> {
  const counter = new QueryCounter(classifyStatement);
  counter.install();
  cleanup.add('unwrap pg', async () => counter.uninstall());
  const root = await mkdtemp(join(tmpdir(), prefix));
  cleanup.add(`remove ${root}`, () => rm(root, { recursive: true, force: true }));
  return { counter, root };
}

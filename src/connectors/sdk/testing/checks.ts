// The conformance suite's checks as plain functions that list problems (empty: conforms), so the suite, the runner and their own tests share them.
import { z } from 'zod';
import { BaseConnector } from '../base.js';
import type { Capability } from '../capabilities.js';
import type { Connector, FromPayload, TaskNode, TaskType } from '../contract.js';
import { secretFields, type ConnectorRegistration } from '../registry.js';
import { TASKS, TASK_TYPES } from '../tasks.js';
import { runNode, walkTree, type NodeRun } from './walk.js';

/** The write capabilities and the methods that implement them. */
export const WRITE_METHODS: Partial<Record<Capability, (keyof Connector)[]>> = {
  CREATE_TRANSFER: ['createTransfer'],
  CREATE_PAYOUT: ['createPayout'],
  CREATE_BANK_ACCOUNT: ['createBankAccount'],
  TRANSLATE_WEBHOOKS: ['verifyWebhook', 'translateWebhook'],
};

/** Names that say "secret" (apiKey, clientSecret, password, privateKey, accessToken, …). */
export const SECRET_NAME = /(key|secret|password|token|credential|private|signature)/i;

/** Whether the connector implements `method` itself rather than inheriting BaseConnector's refusal. */
export function overrides(connector: Connector, method: keyof Connector): boolean {
  if (!(connector instanceof BaseConnector)) return typeof connector[method] === 'function';
  return connector[method] !== BaseConnector.prototype[method];
}

export function nodesOf(nodes: readonly TaskNode[]): TaskNode[] {
  return nodes.flatMap((node) => [node, ...nodesOf(node.children)]);
}

/** Declared capabilities ⇔ implemented methods ⇔ task-tree nodes, through the task table. */
export function capabilityProblems(
  registration: Pick<ConnectorRegistration, 'capabilities'>,
  connector: Connector,
  tree: readonly TaskNode[],
): string[] {
  const declared = new Set<Capability>(registration.capabilities);
  const inTree = new Set<TaskType>(nodesOf(tree).map((node) => node.type));
  const problems: string[] = [];
  const is = (yes: boolean) => (yes ? '' : 'not ');
  const agree = (capability: Capability, method: keyof Connector) => {
    const implemented = overrides(connector, method);
    if (declared.has(capability) !== implemented) {
      problems.push(
        `${capability} is ${is(declared.has(capability))}declared but ${method} is ${is(implemented)}implemented`,
      );
    }
  };
  for (const type of TASK_TYPES) {
    const { capability, method } = TASKS[type];
    agree(capability, method);
    if (declared.has(capability) !== inTree.has(type)) {
      problems.push(
        `${capability} is ${is(declared.has(capability))}declared but the task tree has ${inTree.has(type) ? 'a' : 'no'} ${type} node`,
      );
    }
  }
  for (const [capability, methods] of Object.entries(WRITE_METHODS) as [Capability, (keyof Connector)[]][]) {
    for (const method of methods) agree(capability, method);
  }
  const names = (nodes: readonly TaskNode[], prefix: string): void => {
    const seen = new Set<string>();
    for (const node of nodes) {
      if (seen.has(node.name))
        problems.push(`two nodes named ${prefix}${node.name}: their states would be one`);
      seen.add(node.name);
      if (!/^[a-z0-9_]+$/.test(node.name)) problems.push(`node name "${node.name}" is not snake_case`);
      names(node.children, `${prefix}${node.name}/`);
    }
  };
  names(tree, '');
  return problems;
}

export function withoutField(config: Record<string, unknown>, field: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([name]) => name !== field));
}

/** Each required field left out, and each field given a value of the wrong type, must be refused naming it. */
export function configProblems(schema: z.ZodObject, valid: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const names = (result: { success: boolean; error?: z.ZodError }, field: string) =>
    !result.success && (result.error?.issues ?? []).some((issue) => issue.path[0] === field);
  if (!schema.safeParse(valid).success) problems.push('the valid config is refused');
  for (const [field, fieldSchema] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    if (
      !fieldSchema.safeParse(undefined).success &&
      !names(schema.safeParse(withoutField(valid, field)), field)
    ) {
      problems.push(`${field} may be left out`);
    }
    const wrong = [12345, 'not-a-valid-value', true, { nested: 1 }, ['x']].find(
      (value) => !fieldSchema.safeParse(value).success,
    );
    if (wrong !== undefined && !names(schema.safeParse({ ...valid, [field]: wrong }), field)) {
      problems.push(`${field} = ${JSON.stringify(wrong)} is not refused naming ${field}`);
    }
  }
  return problems;
}

/** Whether a config field (optional, nullable or defaulted, or not) is marked with `secret()`. */
export function isSecretField(schema: z.ZodType | undefined): boolean {
  let current: unknown = schema;
  while (current instanceof z.ZodType) {
    if (secretFields.has(current)) return true;
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault
    ) {
      current = current.unwrap();
    } else return false;
  }
  return false;
}

/** Fields that must be secret (named, or named like a secret and not excused) but are not marked. */
export function unmarkedSecrets(
  schema: z.ZodObject,
  options: { secretFields?: string[]; notSecret?: Record<string, string> } = {},
): string[] {
  const shape = schema.shape as Record<string, z.ZodType>;
  const guessed = Object.keys(shape).filter(
    (field) => SECRET_NAME.test(field) && !(field in (options.notSecret ?? {})),
  );
  return [...new Set([...(options.secretFields ?? []), ...guessed])].filter(
    (field) => !isSecretField(shape[field]),
  );
}

/** The key an item is known by: reference, id (others), or accountReference/asset (balances). */
export function itemKey(type: TaskType, item: unknown): string {
  const record = item as { reference?: string; id?: string; accountReference?: string; asset?: string };
  if (type === 'FETCH_BALANCES') return `${record.accountReference}/${record.asset}`;
  if (type === 'FETCH_OTHERS') return String(record.id);
  return String(record.reference);
}

/** Item keys per node path over one walk, sorted (repeats kept, so they show); empty paths left out. */
export function keysByPath(runs: NodeRun[], except?: TaskType): Record<string, string[]> {
  const keys: Record<string, string[]> = {};
  for (const run of runs) {
    if (run.node.type === except || run.items.length === 0) continue;
    (keys[run.path] ??= []).push(...run.items.map((item) => itemKey(run.node.type, item)));
  }
  return sortedKeys(keys);
}

export function sortedKeys(keys: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(keys)
      .filter(([, values]) => values.length > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, values]) => [path, [...values].sort()]),
  );
}

/** What differs between two key maps, one line per path. */
function keyDifferences(
  what: string,
  actual: Record<string, string[]>,
  expected: Record<string, string[]>,
): string[] {
  const problems: string[] = [];
  for (const path of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    const got = actual[path] ?? [];
    const want = expected[path] ?? [];
    const missing = want.filter((key) => !got.includes(key));
    const extra = got.filter((key) => !want.includes(key));
    const twice = got.filter((key, index) => got.indexOf(key) !== index);
    if (missing.length) problems.push(`${what}: ${path} is missing ${missing.join(', ')}`);
    if (extra.length) problems.push(`${what}: ${path} returned unexpected ${extra.join(', ')}`);
    if (twice.length)
      problems.push(`${what}: ${path} returned ${[...new Set(twice)].join(', ')} more than once`);
  }
  return problems;
}

export interface PagingCheck {
  pageSize: number;
  /** Keys per node path one full pass must yield, each once. */
  expected: Record<string, string[]>;
  /** The connector re-lists everything each pass (declared, with a reason, by the suite's options). */
  relists?: boolean;
  /** References the connector may report as skipped. */
  skipped?: string[];
  /** Changes the PSP between the second and third pass; returns the keys the third pass must return. */
  change?: () => Promise<Record<string, string[]>>;
}

/**
 * Walks the tree at one page size: every expected item once; from every page's saved state (through
 * JSON) the rest of the pass is the same; a second pass returns nothing already seen (balances are
 * observations and may repeat) unless the connector re-lists; after `change`, exactly what changed.
 */
export async function pagingProblems(
  connector: Connector,
  tree: readonly TaskNode[],
  check: PagingCheck,
): Promise<string[]> {
  try {
    return await pagingPasses(connector, tree, check);
  } catch (error) {
    return [
      `paging at page size ${check.pageSize} failed: ${error instanceof Error ? error.message : String(error)}`,
    ];
  }
}

async function pagingPasses(
  connector: Connector,
  tree: readonly TaskNode[],
  check: PagingCheck,
): Promise<string[]> {
  // A cursor that never ends a pass (a state that loses its position) is stopped well past what the
  // fixtures need, even counting a connector's extra check requests.
  const total = Object.values(check.expected).reduce((sum, keys) => sum + keys.length, 0);
  const pageSize = check.pageSize;
  const pageLimit = 4 * (Math.ceil(total / pageSize) + 1) + 50;
  const states = new Map<string, unknown>();
  // Periodic children keep polling the items their parent yielded in earlier passes, as in the engine.
  const parents = new Map<string, FromPayload[]>();
  const first = await walkTree(connector, tree, { pageSize, states, parents, pageLimit });
  const problems = keyDifferences(
    `first pass at page size ${pageSize}`,
    keysByPath(first.runs),
    sortedKeys(check.expected),
  );
  const allowed = new Set(check.skipped ?? []);
  for (const run of first.runs) {
    for (const record of run.skipped) {
      if (!allowed.has(record.reference))
        problems.push(`${run.path}: skipped ${record.reference} (${record.reason})`);
    }
    problems.push(...(await resumeProblems(connector, run, pageSize)));
  }
  const except = check.relists ? undefined : 'FETCH_BALANCES';
  const second = keysByPath(
    (await walkTree(connector, tree, { pageSize, states, parents, pageLimit })).runs,
    except,
  );
  if (check.relists)
    problems.push(...keyDifferences('second pass (re-lists)', second, sortedKeys(check.expected)));
  else problems.push(...keyDifferences('second pass (nothing changed)', second, {}));
  if (!check.change) return problems;
  const changed = sortedKeys(await check.change());
  const third = keysByPath(
    (await walkTree(connector, tree, { pageSize, states, parents, pageLimit })).runs,
    except,
  );
  if (!check.relists) problems.push(...keyDifferences('pass after a change', third, changed));
  else {
    for (const [path, keys] of Object.entries(changed)) {
      const seen = third[path] ?? [];
      if (new Set(seen).size !== seen.length)
        problems.push(`pass after a change: ${path} returned an item twice`);
      for (const key of keys)
        if (!seen.includes(key)) problems.push(`pass after a change: ${path} is missing ${key}`);
    }
  }
  return problems;
}

/** Resuming from the state saved after each page (already through JSON) must yield the rest of the pass. */
async function resumeProblems(connector: Connector, run: NodeRun, pageSize: number): Promise<string[]> {
  const problems: string[] = [];
  let before = 0;
  for (let boundary = 0; boundary < run.states.length - 1; boundary++) {
    before += run.pageItems[boundary] ?? 0;
    const rest = await runNode(connector, run.node, {
      pageSize,
      pageLimit: run.pages * 4 + 50,
      state: run.states[boundary],
      ...(run.fromPayload ? { fromPayload: run.fromPayload } : {}),
    });
    const expected = run.items.slice(before).map((item) => itemKey(run.node.type, item));
    const got = rest.items.map((item) => itemKey(run.node.type, item));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      problems.push(
        `${run.path}: resumed after page ${boundary + 1} gave [${got.join(', ')}], not [${expected.join(', ')}]`,
      );
    }
  }
  return problems;
}

/** Statuses MAPPING.md does not name (as whole words). */
export function unnamedStatuses(mapping: string, statuses: Iterable<string>): string[] {
  return [...new Set(statuses)].filter(
    (status) =>
      !new RegExp(`(^|[^A-Za-z0-9_])${status.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(
        mapping,
      ),
  );
}

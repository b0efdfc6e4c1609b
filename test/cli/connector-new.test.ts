// `paybridge connector new`: generated folders type-check against the real SDK under the repository's strict
// settings, pass its eslint and prettier, and register a connector whose install() answers a valid tree.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { standaloneContext } from '../../src/connectors/sdk/context.js';
import { findConnector } from '../../src/connectors/sdk/registry.js';
import { TASKS } from '../../src/connectors/sdk/tasks.js';
import { validateTree } from '../../src/engine/ingestion/task-tree.js';
import { pino } from 'pino';
import { runCli } from './run-cli.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SDK = join(REPO, 'src', 'connectors', 'sdk');

let root: string;
let connectors: string;

/**
 * A checkout in miniature: the real SDK and the rest of src/ (symlinked, so the generated code meets the real
 * types), node_modules, and the repository's lint settings; tsc checks the generated folders (named *pay)
 * and what they import.
 */
async function miniCheckout(dir: string): Promise<void> {
  await mkdir(join(dir, 'src', 'connectors', 'sdk'), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  // Everything the SDK (and its testing kit) may import: the domain, the engine, storage, …
  for (const entry of await readdir(join(REPO, 'src'))) {
    if (entry !== 'connectors') await symlink(join(REPO, 'src', entry), join(dir, 'src', entry));
  }
  for (const entry of await readdir(SDK)) {
    if (entry !== 'testing') await symlink(join(SDK, entry), join(dir, 'src', 'connectors', 'sdk', entry));
  }
  const testing = join(dir, 'src', 'connectors', 'sdk', 'testing');
  await mkdir(testing);
  for (const entry of await readdir(join(SDK, 'testing')))
    await symlink(join(SDK, 'testing', entry), join(testing, entry));
  const { compilerOptions } = JSON.parse(await readFile(join(REPO, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  delete compilerOptions.rootDir;
  delete compilerOptions.outDir;
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, noEmit: true },
      include: ['src/connectors/*pay/**/*.ts'],
    }),
  );
  // ESM, as the repository is: NodeNext would read the files as CommonJS otherwise.
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const file of ['eslint.config.js', '.prettierrc.json'])
    await writeFile(join(dir, file), await readFile(join(REPO, file)));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pb-connector-new-'));
  await miniCheckout(root);
  connectors = join(root, 'src', 'connectors');
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const ALL = 'accounts,balances,external-accounts,payments,transfers,payouts,bank-accounts,webhooks';

describe('connector new <provider>', () => {
  it('generates folders that build, lint and register, for every capability set', async () => {
    const made = await runCli(['connector', 'new', 'acmepay', '--dir', connectors, '--capabilities', ALL]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    for (const file of [
      'index.ts',
      'config.ts',
      'workflow.ts',
      'client.ts',
      'MAPPING.md',
      'conformance.test.ts',
    ])
      expect(made.stdout).toContain(`  ${file}\n`);
    // The defaults, and a writes-only connector: every shape the generator can take must build.
    expect((await runCli(['connector', 'new', 'basicpay', '--dir', connectors])).code).toBe(0);
    const payoutsOnly = [
      'connector',
      'new',
      'payoutpay',
      '--dir',
      connectors,
      '--capabilities',
      'CREATE_PAYOUT',
    ];
    expect((await runCli(payoutsOnly)).code).toBe(0);

    const acme = join(connectors, 'acmepay');
    expect((await readdir(acme)).sort()).toEqual(
      [
        'MAPPING.md',
        'accounts.ts',
        'balances.ts',
        'bank-accounts.ts',
        'client.ts',
        'config.ts',
        'conformance.test.ts',
        'connector.ts',
        'external-accounts.ts',
        'fixtures',
        'index.ts',
        'mapping.ts',
        'paging.ts',
        'payments.ts',
        'payouts.ts',
        'transfers.ts',
        'webhooks.ts',
        'workflow.ts',
      ].sort(),
    );
    expect(await readFile(join(acme, 'conformance.test.ts'), 'utf8')).toContain(
      "describeConformance({\n  provider: 'acmepay',\n  config: (psp) => ({ apiKey: 'test-key', endpoint: psp.url }),\n  todo: true,\n});",
    );
    // Every status the generated mapping knows is named in MAPPING.md.
    const mapping = await readFile(join(acme, 'MAPPING.md'), 'utf8');
    for (const status of ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'])
      expect(mapping).toContain(`\`${status}\``);

    // One tsc run over the three folders, with the repository's strict settings.
    const tsc = await promisify(execFile)(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')],
      { cwd: root },
    ).catch((error: { stdout?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      code: error.code,
    }));
    expect(tsc.stdout).toBe('');

    const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'eslint.config.js') });
    const results = await eslint.lintFiles([
      'src/connectors/acmepay',
      'src/connectors/basicpay',
      'src/connectors/payoutpay',
    ]);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(problems).toEqual([]);

    const options = (await prettier.resolveConfig(join(root, 'x.ts'))) ?? {};
    for (const folder of ['acmepay', 'basicpay', 'payoutpay']) {
      for (const file of (await readdir(join(connectors, folder))).filter((f) => f.endsWith('.ts'))) {
        const path = join(connectors, folder, file);
        expect(await prettier.check(await readFile(path, 'utf8'), { ...options, filepath: path }), path).toBe(
          true,
        );
      }
    }

    // It registers on import, and its tree is one the engine accepts, matching its capabilities.
    await import(pathToFileURL(join(acme, 'index.ts')).href);
    const registration = findConnector('acmepay');
    expect(registration?.capabilities).toEqual([
      'FETCH_ACCOUNTS',
      'FETCH_BALANCES',
      'FETCH_EXTERNAL_ACCOUNTS',
      'FETCH_PAYMENTS',
      'CREATE_TRANSFER',
      'CREATE_PAYOUT',
      'CREATE_BANK_ACCOUNT',
      'CREATE_WEBHOOKS',
      'TRANSLATE_WEBHOOKS',
    ]);
    if (!registration) return;
    const config = z.object(registration.config.shape).parse({ apiKey: 'k' });
    expect(config.endpoint).toBe('https://api.acmepay.example');
    // Install proves the endpoint and key with one read: here a stand-in PSP that answers an empty page.
    const calls: { url: string; authorization: string | null }[] = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const connector = registration.create(
      config,
      standaloneContext({ connectorId: 'c', logger: pino({ level: 'silent' }), fetch }),
    );
    const { workflow } = await connector.install();
    expect(calls).toEqual([
      { url: 'https://api.acmepay.example/accounts?page=1&pageSize=1', authorization: 'Bearer k' },
    ]);
    expect(() => validateTree(workflow)).not.toThrow();
    const types = JSON.stringify(workflow).match(/"type":"[A-Z_]+"/g) ?? [];
    for (const type of types) {
      const name = type.slice(8, -1) as keyof typeof TASKS;
      expect(registration.capabilities).toContain(TASKS[name].capability);
    }
    expect(types).toHaveLength(5);
  });

  it('refuses names that are not provider ids, taken, or reserved', async () => {
    for (const [name, message] of [
      ['Acme', 'is not a provider name'],
      ['acme-pay', 'is not a provider name'],
      ['sdk', 'is reserved'],
      ['generic', "a connector 'generic' is already registered"],
    ]) {
      const result = await runCli(['connector', 'new', name ?? '', '--dir', connectors]);
      expect(result.code, name).toBe(2);
      expect(result.stderr).toContain(message);
    }
    await mkdir(join(connectors, 'takenpay'));
    const taken = await runCli(['connector', 'new', 'takenpay', '--dir', connectors]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('already exists');
    const badSet = await runCli([
      'connector',
      'new',
      'newpay',
      '--dir',
      connectors,
      '--capabilities',
      'balances',
    ]);
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toContain('need accounts');
  });
});

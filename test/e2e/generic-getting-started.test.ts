// Runs docs/generic-connector.md as a reader would, so the getting-started guide cannot drift from what the
// code does. Every fenced shell block of the page is accounted for: it is either run, in the page's order,
// against a simulator and a Paybridge service, or marked `<!-- not run: <name>: <reason> -->` and checked
// here to show exactly the command the test stands in for (installing the dependencies, and the two
// long-running servers, which the test starts itself). A new block without a marker fails the test.
//
// The blocks run as in one terminal session (each in bash): the variables a block sets (`TXN`, `PI`, …) are
// there for the next ones. `paybridge` is what the guide's `npm link --ignore-scripts` makes of this
// checkout: the test runs that very block, with npm's global prefix set to a temporary directory whose bin is
// first on PATH, and npm kept offline, so a command that would fetch `paybridge` from the npm registry
// fails here. The CLI reaches the test service through PAYBRIDGE_URL, as a reader's reaches its default
// address; the guide's two addresses are swapped for the test's. Assertions are on exit codes and on
// the state the API and the simulator show, never on the CLI's human text (other work changes it).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { MockPspTenant, spawnMockPsp } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const DOC = new URL('../../docs/generic-connector.md', import.meta.url);
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const CLI = join(CHECKOUT, 'dist/src/cli/main.js');

/** Fenced blocks in these languages hold no commands; every other block (no language included) is shell. */
const NOT_SHELL = new Set(['json', 'jsonc', 'ts', 'typescript', 'js', 'javascript', 'yaml', 'yml']);

/**
 * The blocks the test does not run, with the exact text the page must show for each: the test does
 * the same thing its own way (see beforeAll), so a change to one of them must change the test too.
 */
const NOT_RUN: Record<string, string> = {
  // The checkout the test runs in is installed and built (CI runs `npm ci` first).
  dependencies: 'npm ci\n',
  // spawnMockPsp runs `node dist/src/cli/main.js mock-psp`, which is what the npm script runs.
  simulator: 'npm run mock-psp\n',
  // startTestService, with the variables this line sets.
  'start-paybridge': 'PAYBRIDGE_POLLING_PERIOD_MINIMUM=5s PAYBRIDGE_POLLING_PERIOD_DEFAULT=5s npm start\n',
};

/** Blocks the page says to run from the checkout; the others run in a directory of the reader's own. */
const IN_CHECKOUT = new Set(['link']);

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  marker?: { kind: string; name: string; reason?: string };
  body: string;
}

const MARKER = /^<!-- (step|alternative|file|not run): ([\w.-]+)(?:: (.*?))? -->$/;

/** Every fenced block of a markdown text, with the marker on the last non-blank line before it, if any. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^ {0,3}(`{3,}|~{3,})([^\s`]*)[^\n]*\n([\s\S]*?)^ {0,3}\1[`~]*[ \t]*$/gm;
  for (const match of markdown.matchAll(fence)) {
    const before = markdown.slice(0, match.index);
    const previous = before.trimEnd().split('\n').at(-1)?.trim() ?? '';
    const marker = MARKER.exec(previous);
    blocks.push({
      line: before.split('\n').length,
      lang: (match[2] ?? '').toLowerCase(),
      body: match[3] ?? '',
      ...(marker
        ? {
            marker: {
              kind: marker[1] ?? '',
              name: marker[2] ?? '',
              ...(marker[3] ? { reason: marker[3] } : {}),
            },
          }
        : {}),
    });
  }
  return blocks;
}

const isShell = (block: Block) => !NOT_SHELL.has(block.lang);

/** What is wrong with the page's markers: a shell block neither run nor marked as not run with a reason. */
function unaccounted(markdown: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const block of fencedBlocks(markdown)) {
    const where = `the ${block.lang || 'unlabelled'} block at line ${block.line}`;
    const marker = block.marker;
    if (!isShell(block)) {
      if (marker && marker.kind !== 'file')
        problems.push(`${where} is not shell but is marked "${marker.kind}"`);
      continue;
    }
    if (!marker) {
      problems.push(
        `${where} has no marker: precede it with <!-- step: <name> --> (and run it in the test) or <!-- not run: <name>: <reason> -->`,
      );
      continue;
    }
    if (marker.kind === 'file') problems.push(`${where} is shell but marked as a file`);
    if (marker.kind === 'not run' && !marker.reason?.trim())
      problems.push(`${where} is not run but gives no reason`);
    if (seen.has(marker.name)) problems.push(`${where} repeats the name "${marker.name}"`);
    seen.add(marker.name);
  }
  return problems;
}

let guide: string;
let blocks: Block[];
let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let sim: MockPspTenant;
/** The reader's own directory, where the commands outside the checkout run. */
let dir: string;
/** npm's global prefix for the link: `<prefix>/bin` is first on PATH. */
let prefix: string;
/** The shell variables the blocks run so far have set, as a terminal keeps them. */
const session = new Map<string, string>();

function named(kind: string, name: string): Block {
  const found = blocks.find((b) => b.marker?.kind === kind && b.marker.name === name);
  if (!found) throw new Error(`docs/generic-connector.md has no ${kind} "${name}"`);
  return found;
}

/** The block's text with the guide's addresses swapped for the test's. */
function text(block: Block): string {
  return block.body
    .replaceAll('http://127.0.0.1:8090', psp.url)
    .replaceAll('http://127.0.0.1:8080', service.url);
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a block in bash (`-euo pipefail`), after the assignments of the session so far, and keeps the
 * variables it sets. Never throws on a non-zero exit: the exit code is checked by the caller.
 */
async function runBlock(block: Block, cwd: string): Promise<Ran> {
  const state = join(prefix, '..', `state-${block.line}`);
  const script = [
    'declare -A __pb_seen; for __pb_v in $(compgen -v); do __pb_seen[$__pb_v]=1; done',
    ...[...session].map(([name, value]) => `${name}=${quote(value)}`),
    text(block),
    // The variables that did not exist before the session's assignments, as NUL-separated name/value pairs.
    `for __pb_v in $(compgen -v); do case $__pb_v in [A-Z]*) [[ -n \${__pb_seen[$__pb_v]:-} ]] || printf '%s\\0%s\\0' "$__pb_v" "\${!__pb_v:-}";; esac; done > ${quote(state)}`,
  ].join('\n');
  const result = await new Promise<Ran>((resolve, reject) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script],
      {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
          PAYBRIDGE_URL: service.url,
          PAYBRIDGE_TOKEN: '',
          PAYBRIDGE_CLIENT_ID: '',
          PAYBRIDGE_CLIENT_SECRET: '',
          PAYBRIDGE_TOKEN_URL: '',
          // The link goes to the test's prefix, and npm never reaches a registry: anything that would
          // fetch a package (npx of a name it cannot resolve locally) fails.
          npm_config_prefix: prefix,
          npm_config_offline: 'true',
          npm_config_registry: 'http://127.0.0.1:9/',
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
        },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
  if (result.code === 0) {
    const pairs = (await readFile(state, 'utf8')).split('\0');
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i] ?? '';
      if (/^[A-Z][A-Z0-9_]*$/.test(name) && !name.startsWith('BASH')) session.set(name, pairs[i + 1] ?? '');
    }
  }
  return result;
}

/** Runs the step `name` where the page says to, and requires it to succeed. */
async function step(name: string): Promise<Ran> {
  const block = named('step', name);
  const result = await runBlock(block, IN_CHECKOUT.has(name) ? CHECKOUT : dir);
  if (result.code !== 0) {
    throw new Error(
      `step "${name}" (line ${block.line}) exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

function variable(name: string): string {
  const value = session.get(name);
  if (!value) throw new Error(`the guide's blocks did not set ${name}`);
  return value;
}

type Row = Record<string, unknown>;

/** GET on the service's v3 API: the `data` of the answer, or the `cursor.data` of a list. */
async function api(path: string, query?: Record<string, string>): Promise<unknown> {
  const url = new URL(`/v3${path}`, service.url);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  const response = await fetch(url);
  const body = parseJson(await response.text()) as { data?: unknown; cursor?: { data: unknown } };
  if (!response.ok) throw new Error(`GET ${url.pathname}: ${response.status} ${JSON.stringify(body)}`);
  return body.cursor ? body.cursor.data : body.data;
}

const rows = async (path: string, query?: Record<string, string>) => (await api(path, query)) as Row[];
const row = async (path: string) => (await api(path)) as Row;

const paymentByReference = async (reference: string) =>
  (await rows('/payments', { query: JSON.stringify({ $match: { reference } }) }))[0];

beforeAll(async () => {
  guide = await readFile(DOC, 'utf8');
  blocks = fencedBlocks(guide);
  // The service runs with the variables the page's `npm start` line sets (see NOT_RUN).
  const start = named('not run', 'start-paybridge').body.trim();
  const env = Object.fromEntries(
    [...start.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  psp = await spawnMockPsp();
  service = await startTestService(env);
  sim = new MockPspTenant(psp.url, 'demo-key');
  const root = await mkdtemp(join(tmpdir(), 'pb-guide-'));
  dir = join(root, 'reader');
  prefix = join(root, 'npm-global');
  await mkdir(dir);
  await mkdir(prefix);
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
  if (prefix) await rm(join(prefix, '..'), { recursive: true, force: true });
});

describe('the markers of docs/generic-connector.md', () => {
  it('account for every shell block: run by this test, or not run with a reason', () => {
    expect(unaccounted(guide)).toEqual([]);
  });

  it('catch a shell block added without a marker, and a "not run" without a reason', () => {
    const page = [
      '<!-- step: a -->',
      '```sh',
      'echo a',
      '```',
      '',
      'Then:',
      '',
      '```bash',
      'echo b',
      '```',
      '',
      '<!-- not run: c -->',
      '',
      '```',
      'npm start',
      '```',
      '',
      '```json',
      '{}',
      '```',
    ].join('\n');
    expect(unaccounted(page)).toEqual([
      expect.stringMatching(/^the bash block at line 8 has no marker/),
      'the unlabelled block at line 14 is not run but gives no reason',
    ]);
  });

  it('show exactly the commands the test stands in for, where it does not run them', async () => {
    const notRun = blocks.filter((b) => isShell(b) && b.marker?.kind === 'not run');
    expect(Object.fromEntries(notRun.map((b) => [b.marker?.name, b.body]))).toEqual(NOT_RUN);
    // What spawnMockPsp runs is what `npm run mock-psp` runs.
    const manifest = parseJson(await readFile(join(CHECKOUT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts['mock-psp']).toMatch(/\bnode dist\/src\/cli\/main\.js mock-psp$/);
    expect(existsSync(CLI)).toBe(true);
  });
});

describe('the other guides', () => {
  it('invoke the CLI as the README says, never through npx, which may fetch it from the npm registry', async () => {
    const docs = ['README.md', 'docs/mock-psp.md', 'docs/events.md', 'docs/scaling.md'];
    const offending: string[] = [];
    for (const path of docs) {
      for (const block of fencedBlocks(await readFile(join(CHECKOUT, path), 'utf8')).filter(isShell)) {
        if (/\bnpx\s+(?:--?\S+\s+)*paybridge\b/.test(block.body)) offending.push(`${path}:${block.line}`);
      }
    }
    expect(offending).toEqual([]);
    const readme = await readFile(join(CHECKOUT, 'README.md'), 'utf8');
    expect(readme).toContain(`\`${named('step', 'link').body.trim()}\``);
  });
});

describe('docs/generic-connector.md, run as written', () => {
  let connectorID: string;

  /** What the test checks around each step, in the order of the page. */
  const walk: Record<string, () => Promise<void>> = {
    link: async () => {
      await step('link');
      // The command is the checkout's own build, linked: nothing was fetched (npm is offline here).
      expect(await realpath(join(prefix, 'bin', 'paybridge'))).toBe(await realpath(CLI));
    },

    seed: async () => {
      await step('seed');
      expect((await sim.accounts()).map((a) => a.accountName)).toEqual(['Main EUR account']);
      expect((await sim.beneficiaries()).map((b) => b.ownerName)).toEqual(['Ada Lovelace']);
      expect(await sim.transactions()).toHaveLength(200);
    },

    install: async () => {
      await writeFile(join(dir, 'generic.json'), text(named('file', 'generic.json')));
      await step('install');
      const connectors = await rows('/connectors');
      expect(connectors.map((c) => [c.name, c.provider])).toEqual([['my-psp', 'generic']]);
      connectorID = String(connectors[0]?.id);
    },

    watch: async () => {
      // The reader waits "a few seconds" for the first poll: the accounts and payments are in.
      await eventually(
        async () => {
          const accounts = await rows('/accounts', { pageSize: '100' });
          const payments = await rows('/payments', { pageSize: '10' });
          return accounts.length === 2 && payments.length > 0 ? true : undefined;
        },
        60_000,
        'the first poll to bring the accounts and payments',
      );
      const watched = await step('watch');
      expect(watched.stdout).toContain('Main EUR account');
    },

    'pick-pending': async () => {
      await step('pick-pending');
      const txn = variable('TXN');
      expect((await sim.transactions()).find((t) => t.id === txn)?.status).toBe('PENDING');
      // Paybridge shows it pending before the step below, so the change is a change.
      await eventually(
        async () => ((await paymentByReference(txn))?.status === 'PENDING' ? true : undefined),
        60_000,
        'the pending payment to arrive',
      );
    },

    succeed: async () => {
      await step('succeed');
      expect((await sim.transactions()).find((t) => t.id === variable('TXN'))?.status).toBe('SUCCEEDED');
    },

    check: async () => {
      const txn = variable('TXN');
      const payment = await eventually(
        async () => {
          const found = await paymentByReference(txn);
          return found?.status === 'SUCCEEDED' ? found : undefined;
        },
        60_000,
        'the payment to be SUCCEEDED after the next poll',
      );
      const adjustments = (await row(`/payments/${encodeURIComponent(String(payment.id))}`))
        .adjustments as Row[];
      expect(adjustments.map((a) => a.status)).toEqual(['SUCCEEDED', 'PENDING']);
      await step('check');
    },

    'payout-accounts': async () => {
      await step('payout-accounts');
      expect(variable('CONNECTOR')).toBe(connectorID);
      expect(await row(`/accounts/${encodeURIComponent(variable('SOURCE'))}`)).toMatchObject({
        name: 'Main EUR account',
        type: 'INTERNAL',
        connectorID,
      });
      expect(await row(`/accounts/${encodeURIComponent(variable('BENEFICIARY'))}`)).toMatchObject({
        name: 'Ada Lovelace',
        type: 'EXTERNAL',
        connectorID,
      });
    },

    'payout-create': async () => {
      await step('payout-create');
      expect(await row(`/payment-initiations/${encodeURIComponent(variable('PI'))}`)).toMatchObject({
        reference: 'invoice-0001',
        connectorID,
        type: 'PAYOUT',
        status: 'WAITING_FOR_VALIDATION',
        amount: 2500,
        asset: 'EUR/2',
        sourceAccountID: variable('SOURCE'),
        destinationAccountID: variable('BENEFICIARY'),
      });
      // Nothing is sent to the PSP before the approval.
      expect((await sim.stats()).byEndpoint['POST /payouts'] ?? 0).toBe(0);
    },

    'payout-approve': async () => {
      await step('payout-approve');
      // The PSP accepts the payout as PENDING: the initiation is PROCESSING, with the payout related.
      const pi = variable('PI');
      const related = await eventually(
        async () => {
          const payments = await rows(`/payment-initiations/${encodeURIComponent(pi)}/payments`);
          return payments.length === 1 ? payments[0] : undefined;
        },
        60_000,
        'the payout to reach the PSP',
      );
      expect(related).toMatchObject({ type: 'PAYOUT', status: 'PENDING', amount: 2500 });
      expect((await row(`/payment-initiations/${encodeURIComponent(pi)}`)).status).toBe('PROCESSING');
      expect((await sim.transactions()).find((t) => t.id === related.reference)).toMatchObject({
        type: 'PAYOUT',
        status: 'PENDING',
        amount: '2500',
      });
    },

    'payout-pending': async () => {
      await step('payout-pending');
    },

    'payout-succeed': async () => {
      await step('payout-succeed');
      const related = await rows(`/payment-initiations/${encodeURIComponent(variable('PI'))}/payments`);
      expect(variable('PAYOUT')).toBe(related[0]?.reference);
      expect((await sim.transactions()).find((t) => t.id === variable('PAYOUT'))?.status).toBe('SUCCEEDED');
    },

    'payout-check': async () => {
      const pi = encodeURIComponent(variable('PI'));
      await eventually(
        async () => ((await row(`/payment-initiations/${pi}`)).status === 'PROCESSED' ? true : undefined),
        60_000,
        'the initiation to be PROCESSED',
      );
      expect((await rows(`/payment-initiations/${pi}/adjustments`)).map((a) => a.status)).toEqual([
        'PROCESSED',
        'PROCESSING',
        'WAITING_FOR_VALIDATION',
      ]);
      expect((await rows(`/payment-initiations/${pi}/payments`)).map((p) => [p.reference, p.status])).toEqual(
        [[variable('PAYOUT'), 'SUCCEEDED']],
      );
      await step('payout-check');
    },
  };

  it('runs every step in order: seeding, install, ingestion, a payment stepped, a payout sent and settled', async () => {
    const steps = blocks.filter((b) => b.marker?.kind === 'step').map((b) => b.marker?.name);
    expect(steps).toEqual(Object.keys(walk));
    for (const check of Object.values(walk)) await check();
  }, 360_000);

  it('installs with the curl alternative it shows, answering the connector id', async () => {
    const alternatives = blocks.filter((b) => b.marker?.kind === 'alternative').map((b) => b.marker?.name);
    expect(alternatives).toEqual(['install-curl']);
    // Its own directory and connector name: the walk-through already holds "my-psp".
    const other = join(dir, 'curl');
    await mkdir(other);
    await writeFile(
      join(other, 'generic.json'),
      text(named('file', 'generic.json')).replace('"my-psp"', '"my-psp-curl"'),
    );
    const result = await runBlock(named('alternative', 'install-curl'), other);
    expect(result.code).toBe(0);
    const installed = parseJson(result.stdout) as { data?: string };
    expect((await row(`/connectors/${encodeURIComponent(String(installed.data))}/config`)).name).toBe(
      'my-psp-curl',
    );
  });
});

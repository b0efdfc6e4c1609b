// The fake Modulr's answers (its fixtures) and the connector's requests follow Modulr's published API document (../shared/psp-specs/modulr).
import { describe, expect, it } from 'vitest';
import type { PspFetch } from '../sdk/context.js';
import type { FakePsp } from '../sdk/testing/fake-psp.js';
import { readFileSync } from 'node:fs';
import { PspSpec, pspSpecPath, recordedRequestProblems } from '../sdk/testing/psp-spec.js';
import { walkTree } from '../sdk/testing/walk.js';
import { startHarness } from './test-harness.js';

const specPath = pspSpecPath('modulr');

/**
 * Modulr's document, with its Java-style class `[\w-\s]` (a hyphen between two classes, which a
 * JavaScript `u` regular expression refuses to compile) written `[\w\s-]`, which means the same.
 */
function modulrSpec(path: string): PspSpec {
  const text = readFileSync(path, 'utf8').replaceAll('[\\\\w-\\\\s]', '[\\\\w\\\\s-]');
  return new PspSpec(JSON.parse(text) as Record<string, unknown>);
}

interface Answer {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** A fetch that notes every answer of the fake, to check it against the document. */
function recording(answers: Answer[]): (psp: FakePsp) => PspFetch {
  return (psp) => async (input, init) => {
    const response = await psp.fetch(input, init);
    const text = await response.clone().text();
    answers.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      status: response.status,
      body: text === '' ? undefined : JSON.parse(text),
    });
    return response;
  };
}

if (!specPath) {
  it.skip("the fixtures against Modulr's API document (skipped: no ../shared/psp-specs/modulr)", () =>
    undefined);
} else {
  describe("the fixtures and requests against Modulr's API document", () => {
    it('every answer of a paging pass and of a payout validates against its operation, and every request matches one', async () => {
      const spec = modulrSpec(specPath);
      const answers: Answer[] = [];
      const h = await startHarness({ fetch: recording(answers) });
      try {
        const tree = (await h.connector.install()).workflow;
        await walkTree(h.connector, tree, { pageSize: 2 });
        const account = (reference: string) => ({ reference, createdAt: new Date(), metadata: {}, raw: {} });
        const payout = await h.connector.createPayout({
          paymentInitiation: {
            reference: 'pi-1',
            createdAt: new Date(),
            description: 'Invoice 2026-001',
            sourceAccount: account('A1000001'),
            destinationAccount: account('B1000001'),
            amount: 2500n,
            asset: 'GBP/2',
            metadata: {},
          },
          idempotencyKey: '0b8f5a5e-1a2b-5c3d-8e4f-5a6b7c8d9e0f',
        });
        await h.connector.pollPayoutStatus({ pollingId: payout.pollingId ?? '' });
        await h.connector.createBankAccount({
          bankAccount: {
            id: 'ba-1',
            createdAt: new Date(),
            name: 'New Supplier Ltd',
            accountNumber: '12345678',
            metadata: { 'com.modulr.spec/sort_code': '040004' },
          },
          idempotencyKey: '1c8f5a5e-1a2b-5c3d-8e4f-5a6b7c8d9e0f',
        });
        expect(new Set(answers.map((a) => `${a.method} ${a.status}`))).toEqual(
          new Set(['GET 200', 'POST 201']),
        );
        const problems = answers.flatMap((a) =>
          spec.validateResponse(a.method, a.path, a.status, a.body).map((p) => `${a.method} ${a.path}: ${p}`),
        );
        expect(problems).toEqual([]);
        expect(recordedRequestProblems(spec, h.psp.requests)).toEqual([]);
        for (const post of h.psp.writes()) {
          expect(spec.validateRequestBody('POST', post.path, JSON.parse(post.text()))).toEqual([]);
        }
        expect(h.psp.writes().map((w) => w.path)).toEqual(['/payments', '/customers/C1000001/beneficiaries']);
      } finally {
        await h.close();
      }
    });
  });
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectors } from '../../connectors/load.js';
import { listConnectors } from '../../connectors/sdk/registry.js';
import { CATALOGUE_COMMAND, capabilitiesJson, catalogueFiles, checkoutRoot } from './catalogue.js';

describe('the connector catalogue', () => {
  it('is committed as the registrations generate it (CI fails when it is stale)', async () => {
    await loadConnectors();
    const root = checkoutRoot();
    for (const [path, expected] of Object.entries(catalogueFiles(listConnectors(), root))) {
      const committed = await readFile(join(root, path), 'utf8').catch(() => '(missing)');
      expect(committed, `${path} is stale: run ${CATALOGUE_COMMAND} and commit the result`).toBe(expected);
    }
  });

  it("lists capabilities in Formance's format, in each registration's order", async () => {
    await loadConnectors();
    const parsed = JSON.parse(capabilitiesJson(listConnectors())) as Record<string, string[]>;
    const generic = listConnectors().find((r) => r.provider === 'generic');
    expect(parsed.generic).toEqual(generic?.capabilities.map((c) => `CAPABILITY_${c}`));
    expect(Object.keys(parsed)).toContain('dummypay');
  });
});

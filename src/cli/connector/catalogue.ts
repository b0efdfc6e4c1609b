// The generated connector catalogue: docs/connectors/capabilities.json (Formance's format) and its README table.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConnectorRegistration, webhookIntakeOf } from '../../connectors/sdk/registry.js';
import { configCatalogEntry } from '../../engine/lifecycle/connector-config.js';

/** Where the catalogue lives, from the checkout's root. */
export const CATALOGUE_DIR = join('docs', 'connectors');
export const CATALOGUE_COMMAND = 'npm run connectors:catalogue';

/** The checkout this module runs from (sources under vitest, dist/ when built): where package.json is. */
export function checkoutRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * provider → ["CAPABILITY_…"], in each registration's own order: one line, as Formance's
 * connector-capabilities.json is, so a diff shows which connector changed.
 */
export function capabilitiesJson(registrations: ConnectorRegistration[]): string {
  const entries = registrations.map((r) => [r.provider, r.capabilities.map((c) => `CAPABILITY_${c}`)]);
  return `${JSON.stringify(Object.fromEntries(entries))}\n`;
}

/** The connector's own config fields (the engine's are the same for all, listed once). */
function fields(registration: ConnectorRegistration) {
  const own = Object.keys(registration.config.shape);
  const entries = configCatalogEntry(registration, { pollingPeriodDefaultMs: 0, pollingPeriodMinimumMs: 0 });
  return own.map((name) => ({ name, ...entries[name] }));
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function webhookSupport(registration: ConnectorRegistration): string {
  const declared = registration.capabilities.some(
    (c) => c === 'CREATE_WEBHOOKS' || c === 'TRANSLATE_WEBHOOKS',
  );
  if (!declared) return 'no';
  const intake = webhookIntakeOf(registration);
  return `yes (${intake.verification} verification; ${intake.methods.join(', ')})`;
}

function fieldSummary(registration: ConnectorRegistration): string {
  return fields(registration)
    .map((f) => {
      const notes = [f.required ? 'required' : 'optional'];
      if (f.secret) notes.push('secret');
      if (f.defaultValue) notes.push(`default \`${f.defaultValue}\``);
      return `\`${f.name}\` (${notes.join(', ')})`;
    })
    .join('<br>');
}

/**
 * docs/connectors/README.md: one row per connector, then each connector's config fields. `mappingExists`
 * says whether a connector has its MAPPING.md (linked from the row).
 */
export function catalogueReadme(
  registrations: ConnectorRegistration[],
  mappingExists: (provider: string) => boolean,
): string {
  const rows = registrations.map((r) => {
    const name = r.hidden ? `${r.provider} (hidden test double: debug mode only)` : r.provider;
    const mapping = mappingExists(r.provider)
      ? `[MAPPING.md](../../src/connectors/${r.provider}/MAPPING.md)`
      : 'none';
    return `| ${cell(name)} | ${r.capabilities.join('<br>')} | ${cell(fieldSummary(r))} | ${r.pageSize} | ${cell(webhookSupport(r))} | ${mapping} |`;
  });
  const details = registrations.map((r) => {
    const lines = fields(r).map(
      (f) =>
        `| \`${f.name}\` | ${f.dataType} | ${f.required ? 'yes' : 'no'} | ${f.secret ? 'yes' : 'no'} | ${f.defaultValue ? cell(`\`${f.defaultValue}\``) : '-'} |`,
    );
    return [
      `### ${r.provider}`,
      '',
      '| Field | Type | Required | Secret | Default |',
      '| --- | --- | --- | --- | --- |',
      ...lines,
    ].join('\n');
  });
  return `${[
    '# Connectors',
    '',
    `Generated from each connector's registration by \`${CATALOGUE_COMMAND}\`; do not edit it by hand. A test`,
    "fails when this file or `capabilities.json` (provider → capabilities, in Formance's format) is stale.",
    '',
    "Every connector also takes the engine's fields: `name` (required), `pollingPeriod`, `pageSize` (at most the",
    "connector's page size below), `maxConcurrentRuns` and `callsPerSecond`.",
    '',
    '| Connector | Capabilities | Config fields | Page size | Webhooks | Mapping |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Config fields',
    '',
    details.join('\n\n'),
  ].join('\n')}\n`;
}

/** The two catalogue files, by path from the checkout's root. */
export function catalogueFiles(registrations: ConnectorRegistration[], root: string): Record<string, string> {
  const mappingExists = (provider: string) =>
    existsSync(join(root, 'src', 'connectors', provider, 'MAPPING.md'));
  return {
    [join(CATALOGUE_DIR, 'capabilities.json')]: capabilitiesJson(registrations),
    [join(CATALOGUE_DIR, 'README.md')]: catalogueReadme(registrations, mappingExists),
  };
}

export async function writeCatalogue(
  registrations: ConnectorRegistration[],
  root: string,
): Promise<string[]> {
  const files = catalogueFiles(registrations, root);
  await mkdir(join(root, CATALOGUE_DIR), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(root, path), text);
  return Object.keys(files);
}

// Discovers connectors: every folder next to this file (except the SDK) is imported and registers itself.
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let loaded: Promise<void> | undefined;

export function loadConnectors(): Promise<void> {
  loaded ??= (async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const entries = await readdir(here, { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory() && e.name !== 'sdk').map((e) => e.name);
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    for (const folder of folders.sort()) {
      await import(pathToFileURL(join(here, folder, `index.${ext}`)).href);
    }
  })();
  return loaded;
}

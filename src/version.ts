// The running version, read from package.json so it is never out of date.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'paybridge' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/ and dist/src/ sit at different depths)
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();

// Builds only when what the build reads changed since the last complete build, so `npm start` starts in
// seconds on a built checkout instead of running two tsc and vite every time.
//
//   node scripts/build-if-stale.mjs           build (npm run build) if stale, else nothing
//   node scripts/build-if-stale.mjs --check   exit 0 when the build is current, 1 when stale (builds nothing)
//   node scripts/build-if-stale.mjs --begin   (the build script's first step) note the inputs as they are now
//   node scripts/build-if-stale.mjs --end     (its last step) the build succeeded: the noted inputs are built
//
// "Changed" is a fingerprint of every input's path, size and modification time, not "newer than the
// build": a file restored with an older date, a deleted file or a new one is a change too. The fingerprint
// is taken when the build starts, so an edit made while it runs is seen as a change by the next start.
// A failed or interrupted build leaves no stamp, and the next start builds again.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What `npm run build` reads (tsconfig.build.json, console/tsconfig.json, vite) and what shapes it. */
const INPUT_DIRS = ['src', 'bench', 'test/support', 'console/src'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'node_modules/.package-lock.json', // rewritten by every npm install / npm ci
  'tsconfig.json',
  'tsconfig.build.json',
  'console/tsconfig.json',
  'console/vite.config.ts',
  'console/index.html',
  'scripts/build-if-stale.mjs',
];
/** What a complete build leaves behind; if any is missing the build is stale whatever the stamp says. */
const OUTPUTS = ['dist/src/cli/main.js', 'dist/console/index.html'];
// Test files are not compiled (vitest runs them from source); editing one needs no build.
const SKIPPED = /\.test\.tsx?$/;

const STAMP = join(root, 'dist', '.build-stamp');
const PENDING = join(root, 'dist', '.build-stamp.pending');

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && !SKIPPED.test(entry.name)) out.push(path);
  }
}

function fingerprint() {
  const files = [];
  for (const dir of INPUT_DIRS) walk(join(root, dir), files);
  for (const file of INPUT_FILES) files.push(join(root, file));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    let line = 'missing';
    try {
      const stat = statSync(file);
      line = `${stat.size} ${stat.mtimeMs}`;
    } catch {
      // A missing optional input (no node_modules yet) is part of the fingerprint as such.
    }
    hash.update(`${relative(root, file)}\0${line}\n`);
  }
  return hash.digest('hex');
}

function isCurrent() {
  if (!OUTPUTS.every((file) => existsSync(join(root, file)))) return false;
  try {
    return readFileSync(STAMP, 'utf8').trim() === fingerprint();
  } catch {
    return false;
  }
}

const mode = process.argv[2];
if (mode === '--begin') {
  rmSync(STAMP, { force: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(PENDING, `${fingerprint()}\n`);
} else if (mode === '--end') {
  if (existsSync(PENDING)) renameSync(PENDING, STAMP);
} else if (mode === '--check') {
  process.exit(isCurrent() ? 0 : 1);
} else if (mode === undefined) {
  if (!isCurrent()) {
    process.stderr.write('paybridge: sources changed since the last build, building (npm run build)…\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
} else {
  process.stderr.write(`usage: node scripts/build-if-stale.mjs [--check|--begin|--end]\n`);
  process.exit(2);
}

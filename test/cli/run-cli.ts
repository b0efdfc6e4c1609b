// Runs the built `paybridge` executable as a child process and captures what it prints and its exit code.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Never throws on a non-zero exit: the exit code is part of what the tests check. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<CliResult> {
  const { env = {}, stdin, cwd } = options;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      // The server and credentials are cleared so a developer's environment cannot point a test elsewhere.
      {
        env: {
          ...process.env,
          PAYBRIDGE_URL: '',
          PAYBRIDGE_TOKEN: '',
          PAYBRIDGE_CLIENT_ID: '',
          PAYBRIDGE_CLIENT_SECRET: '',
          PAYBRIDGE_TOKEN_URL: '',
          ...env,
        },
        maxBuffer: 64 * 1024 * 1024,
        ...(cwd ? { cwd } : {}),
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

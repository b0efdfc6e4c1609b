// The CLI's failures and the exit code each one maps to; `describeFailure` is the only place that decides both.
import { CommanderError } from 'commander';

/** Exit codes of the API-client commands (also printed by `paybridge --help`). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  refused: 3,
  notFound: 4,
  server: 5,
  waitFailed: 6,
  waitTimeout: 7,
} as const;

export const EXIT_CODES_HELP = `
Output:
  Tables for people; with --json, the API's data as JSON, amounts exact at any size. Tables show ids in a
  short form, distinct within the table: the first 8+ hex digits of the id's SHA-256 (of a UUID, its own
  digits); --wide shows full ids. A list prints a JSON array of the items fetched (every page with
  --all); when more remain, the cursor to continue from is printed on stderr. Progress of --wait goes to stderr, so stdout stays clean for scripts.

Naming objects:
  get commands take a full id, or what a person knows the object by: the PSP reference of an account,
  payment or payment initiation (--connector <name or id> picks one when several connectors have it), the
  name of a connector, bank account or pool. A reference that fits several objects is refused (exit 2)
  with the candidates listed. Schedule commands also take the short id of the schedules table.
  uninstall and reset say what they delete and ask; --yes skips the question (needed without a terminal).

Exit codes (API-client commands):
  0  success
  1  unexpected failure, or a confirmation answered no (nothing was done)
  2  usage error (bad arguments or flags, unreadable file, a reference that fits several objects, an
     uninstall or reset that cannot be confirmed: stdin not a terminal and no --yes)
  3  the API refused the request (any other HTTP 4xx), or the token endpoint refused the credentials
  4  not found: no object has that id, reference or name (HTTP 404, or an id no object can have)
  5  server error (HTTP 5xx) or server unreachable
  6  a waited-for task or run failed
  7  a wait timed out

Authentication (when the server has PAYBRIDGE_AUTH_ENABLED=true):
  With --client-id and --client-secret the CLI gets tokens itself (OAuth 2.0 client credentials, as the
  official SDK does) from the token endpoint: /api/auth/oauth/token on the server URL's host, or
  --token-url (a gateway's, an external identity provider's). It renews them before they expire, and
  once when the API refuses one. --token sends a token as is, never renewed; given together, --token
  wins (a flag wins over the environment). Neither the secret nor a token is ever printed. Prefer the
  environment for the secret: a flag shows in the process list. Create a client on the server with
  \`paybridge clients create <name>\`.

Environment:
  PAYBRIDGE_URL            the service's base URL (default http://localhost:8080), same as --server
  PAYBRIDGE_CLIENT_ID      client id for the token endpoint, same as --client-id
  PAYBRIDGE_CLIENT_SECRET  its secret, same as --client-secret
  PAYBRIDGE_TOKEN_URL      the token endpoint, same as --token-url
  PAYBRIDGE_TOKEN          bearer token sent as Authorization, same as --token`;

/** Bad arguments, flags or input files: the request was never sent. */
export class UsageError extends Error {}

/** The API answered with an error status; `code` and `message` come from its `{errorCode, errorMessage}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What to do about it (printed on a line of its own), e.g. which credentials options to give. */
    public hint?: string,
  ) {
    super(message);
  }
}

/** The token endpoint did not give a token: `code` is its OAuth error (`invalid_client`, …) when it sent one. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly tokenUrl: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** What a command names does not exist (a client id, say), outside any API call. */
export class NotFoundError extends Error {}

/** No HTTP answer at all: connection refused, DNS failure, or no answer in time. */
export class UnreachableError extends Error {}

/** Something the CLI waited for (a task, a first sync) ended in failure. */
export class WaitFailedError extends Error {}

/** The person asked to confirm a destructive command said no: nothing was done. */
export class DeclinedError extends Error {}

/** Something the CLI waited for did not finish within `--timeout`. */
export class WaitTimeoutError extends Error {}

export interface Failure {
  exitCode: number;
  /** Printed on stderr; empty when commander already printed its own message. */
  message: string;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    // Help and version are successes; every other parse error is a usage error (commander printed it).
    const success = ['commander.helpDisplayed', 'commander.version'].includes(error.code);
    return { exitCode: success ? EXIT.ok : EXIT.usage, message: '' };
  }
  if (error instanceof ApiError) {
    // An id in the path that does not decode names nothing: for the person it is "not found", like a 404.
    const invalidId = error.status === 400 && error.code === 'INVALID_ID';
    const exitCode =
      error.status === 404 || invalidId ? EXIT.notFound : error.status >= 500 ? EXIT.server : EXIT.refused;
    const message = `error: ${error.code}: ${error.message} (HTTP ${error.status})`;
    const hint =
      error.hint ??
      (invalidId
        ? 'no object has this id: copy full ids from a listing with --wide or --json (a short id from a table is not an id)'
        : undefined);
    return { exitCode, message: hint ? `${message}\nhint: ${hint}` : message };
  }
  if (error instanceof TokenRequestError) {
    // Any refusal is about the credentials or the token URL (exit 3), even a 404; a 5xx is the server's.
    const exitCode = error.status >= 500 ? EXIT.server : EXIT.refused;
    const detail = error.message ? `${error.code}: ${error.message}` : error.code;
    const message = `error: the token endpoint refused: ${detail} (HTTP ${error.status} from ${error.tokenUrl})`;
    return { exitCode, message: error.hint ? `${message}\nhint: ${error.hint}` : message };
  }
  if (error instanceof DeclinedError) return { exitCode: EXIT.failure, message: `${error.message}` };
  if (error instanceof UsageError) return { exitCode: EXIT.usage, message: `error: ${error.message}` };
  if (error instanceof NotFoundError) return { exitCode: EXIT.notFound, message: `error: ${error.message}` };
  if (error instanceof UnreachableError) return { exitCode: EXIT.server, message: `error: ${error.message}` };
  if (error instanceof WaitFailedError)
    return { exitCode: EXIT.waitFailed, message: `error: ${error.message}` };
  if (error instanceof WaitTimeoutError)
    return { exitCode: EXIT.waitTimeout, message: `error: ${error.message}` };
  const text = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.failure, message: `error: ${text}` };
}

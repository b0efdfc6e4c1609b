// The process logger: what its lines may say about a request (never its credentials: tokens, client secrets,
// Authorization), and how they are written (JSON for machines, pino-pretty for a person at a terminal).
import { createRequire } from 'node:module';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DestinationStream, type Logger, pino } from 'pino';

/** pino redaction paths: request headers however they are logged, and credential fields anywhere. */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'request.headers.authorization',
  '*.headers.authorization',
  'authorization',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.accessToken',
];

/** Query parameters that carry credentials when a client puts them where it should not. */
const CREDENTIAL_PARAMS = /([?&](?:access_token|client_secret|token|secret)=)[^&#]*/gi;

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** A request as log lines show it (Fastify's summary), with credentials in the query string masked. */
export function requestSummary(request: LoggedRequest) {
  return {
    method: request.method,
    url: request.url?.replace(CREDENTIAL_PARAMS, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** How log lines are written: one JSON object per line (machines, production) or coloured text (a person). */
export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when set (`json` or `pretty`), otherwise pretty in a terminal and JSON anywhere else (a file,
 * a pipe, a container's log collector). An unknown value is an error rather than a silent default.
 */
export function logFormatOf(
  env: NodeJS.ProcessEnv = process.env,
  isTerminal = Boolean(process.stdout.isTTY),
): LogFormat {
  const wanted = env.LOG_FORMAT?.trim().toLowerCase();
  if (wanted === undefined || wanted === '') return isTerminal ? 'pretty' : 'json';
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  throw new Error(`invalid settings: LOG_FORMAT: must be json or pretty (got '${env.LOG_FORMAT}')`);
}

// pino-pretty is loaded only when a person reads the logs: JSON mode never touches it.
const requireModule = createRequire(import.meta.url);

/** pino-pretty writing to stdout: one line per entry, the request id after the message, no host noise. */
function prettyStream(): DestinationStream {
  const pretty = requireModule('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    colorize: true,
    sync: true, // the last lines before process.exit are not lost
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,reqId,req,res,responseTime',
    messageFormat: '{msg}{if reqId}  (request {reqId}){end}',
  });
}

export interface LoggerOptions {
  logLevel: string;
  /** Defaults to logFormatOf(): LOG_FORMAT, else pretty in a terminal. */
  logFormat?: LogFormat;
}

/**
 * The process logger. `destination` (tests pass one to read what was logged) always gets JSON; without it,
 * stdout gets JSON or pino-pretty's text per the format.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const settings = {
    level: options.logLevel,
    base: { service: 'paybridge' },
    // Credentials never reach a log line, whoever logs a request or its headers.
    redact: { paths: LOG_REDACTIONS, censor: '[redacted]' },
    serializers: { req: requestSummary },
  };
  if (destination) return pino(settings, destination);
  return (options.logFormat ?? logFormatOf()) === 'pretty' ? pino(settings, prettyStream()) : pino(settings);
}

/**
 * Fastify's own request logging (an "incoming request" and a "request completed" line at info for each
 * request) is turned off (LogController's `disableRequestLogging`) in favour of this onResponse hook: one line per request
 * at debug, with method, URL (credentials masked), status and duration. A 5xx is logged at warn, so it shows
 * at the default level beside the error the handler logged.
 */
export async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const status = reply.statusCode;
  const level = status >= 500 ? 'warn' : 'debug';
  if (!(request.log as Logger).isLevelEnabled(level)) return;
  const responseTime = Math.round(reply.elapsedTime * 10) / 10;
  const url = requestSummary(request).url;
  request.log[level](
    { req: request, res: { statusCode: status }, responseTime },
    `${request.method} ${url} ${status} ${responseTime} ms`,
  );
}

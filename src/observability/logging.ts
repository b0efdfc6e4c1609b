// What the logs may say about a request: never its credentials (tokens, client secrets, Authorization).

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

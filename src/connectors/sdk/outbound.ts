// Where connectors may send requests, and what API callers may learn of the answers: the outbound policy.
import { AsyncLocalStorage } from 'node:async_hooks';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import {
  AuthenticationError,
  ConnectorError,
  InvalidConfigError,
  InvalidRequestError,
  MissingFromPayloadError,
  NotImplementedError,
  NotYetInstalledError,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
  WebhookVerificationError,
} from './errors.js';

/**
 * Addresses that are not on the public internet: loopback, private (RFC 1918, RFC 4193), link-local
 * (cloud metadata at 169.254.169.254 included), CGNAT, unspecified, and the other ranges no PSP lives in.
 * BlockList also matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.5) against the IPv4 ranges.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6, without brackets) is anything but a public internet address. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const DNS_CACHE_MS = 30_000;
const DNS_CACHE_ENTRIES = 1000;
const hostClasses = new Map<string, { internal: boolean; until: number }>();

/**
 * Whether a host (a URL's hostname) is internal: an IP literal is classified directly, a name by every
 * address it resolves to, any internal one making it internal. A name that does not resolve counts as
 * internal too: "does not resolve" against "resolves inside" would map the internal DNS. Answers are
 * cached per host for a short while.
 */
export async function isInternalHost(hostname: string): Promise<boolean> {
  const host = hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(host) !== 0) return isInternalAddress(host);
  const now = Date.now();
  const cached = hostClasses.get(host);
  if (cached && cached.until > now) return cached.internal;
  let internal: boolean;
  try {
    const addresses = await lookup(host, { all: true, verbatim: true });
    internal = addresses.length === 0 || addresses.some((entry) => isInternalAddress(entry.address));
  } catch {
    internal = true;
  }
  hostClasses.delete(host);
  hostClasses.set(host, { internal, until: now + DNS_CACHE_MS });
  if (hostClasses.size > DNS_CACHE_ENTRIES) {
    const oldest = hostClasses.keys().next().value;
    if (oldest !== undefined) hostClasses.delete(oldest);
  }
  return internal;
}

interface HostPattern {
  /** Lower case, without a trailing dot; IPv6 in brackets as URLs write it. */
  host: string;
  /** `*.example.com`: any name below example.com (not example.com itself). */
  wildcard: boolean;
  port?: number;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

function parsePattern(text: string): HostPattern {
  const fail = (why: string) =>
    new Error(
      `'${text}' is not a host pattern (${why}); write api.psp.com, *.psp.com or 10.1.2.3, with :port if need be`,
    );
  if (text.includes('/') || text.includes('@')) throw fail('no scheme, path or user');
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match?.[1]) throw fail('cannot read it');
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw fail('port out of range');
  let host = match[1].toLowerCase().replace(/\.$/, '');
  const wildcard = host.startsWith('*.');
  if (wildcard) host = host.slice(2);
  if (host.startsWith('[')) {
    if (wildcard || isIP(host.slice(1, -1)) !== 6) throw fail('not an IPv6 address');
    // URL's own spelling of the address, so that patterns and URLs compare as text.
    host = new URL(`http://${host}/`).hostname;
  } else if (isIP(host) === 4) {
    if (wildcard) throw fail('a wildcard goes with names, not addresses');
  } else if (!host.split('.').every((label) => LABEL.test(label))) {
    throw fail(host.includes('*') ? 'a wildcard may only be a leading *.' : 'not a host name');
  }
  return { host, wildcard, ...(port === undefined ? {} : { port }) };
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: the hosts (and ports) connectors may call, and nothing else. */
export class EndpointAllowList {
  private constructor(private readonly patterns: HostPattern[]) {}

  /** Comma-separated patterns; blank means no list (undefined). An unreadable pattern throws. */
  static parse(text: string | undefined): EndpointAllowList | undefined {
    const parts = (text ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    return parts.length === 0 ? undefined : new EndpointAllowList(parts.map(parsePattern));
  }

  /** Whether a URL's host and port (the scheme's default when none is written) match a pattern. */
  allows(url: URL): boolean {
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
    return this.patterns.some(
      (pattern) =>
        (pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host) &&
        (pattern.port === undefined || pattern.port === port),
    );
  }
}

export interface OutboundPolicy {
  /** Unset: connectors may call any host. */
  allow?: EndpointAllowList;
}

/** One connector operation, as its PSP calls went: whether any reached a host whose answers stay hidden. */
export interface OutboundCall {
  policy: OutboundPolicy;
  /** A PSP call went to an internal host that no allow list names: the API may not learn what answered. */
  hidden: boolean;
  /** A hidden host answered (at the HTTP level) at least once. */
  answered: boolean;
}

const calls = new AsyncLocalStorage<OutboundCall>();

/** Runs one connector operation under a policy; its PSP calls (pspRequest) report into `call`. */
export function withOutboundCall<T>(call: OutboundCall, operation: () => Promise<T>): Promise<T> {
  return calls.run(call, operation);
}

/**
 * What pspRequest does before calling `url`: refuse a host the allow list does not name (an
 * InvalidConfigError, which fails the run visibly), and note an internal host whose answers must stay
 * hidden. Outside any connector operation (a connector's own unit tests) there is no policy to apply.
 */
export async function beforePspCall(url: URL): Promise<void> {
  const call = calls.getStore();
  if (!call) return;
  const { allow } = call.policy;
  if (allow) {
    if (!allow.allows(url)) {
      throw new InvalidConfigError(
        `${url.host} is not an allowed connector endpoint (PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW)`,
      );
    }
    // The operator named this host: its answers are shown in full, internal or not.
    return;
  }
  if (await isInternalHost(url.hostname)) call.hidden = true;
}

/** pspRequest got an HTTP answer (any status) from the host it just checked. */
export function afterPspAnswer(): void {
  const call = calls.getStore();
  if (call?.hidden) call.answered = true;
}

const SEE_LOG = 'details are in the service log';
export const PSP_UNREACHABLE = `the PSP could not be reached (${SEE_LOG})`;
export const PSP_FAILED = `the PSP answered with an error (${SEE_LOG})`;

/** Errors that say nothing about what answered, so they stay as they are. */
function isUninformative(error: unknown): boolean {
  return (
    error instanceof NotImplementedError ||
    error instanceof NotYetInstalledError ||
    error instanceof MissingFromPayloadError
  );
}

/**
 * The error an API caller may see when an operation's PSP calls went to a hidden host: the same class
 * (so retries, refusals and status codes do not change), a generic message, at most the HTTP status
 * class. Whether anything answered is all it tells: "connection refused" against a 404 against an HTML
 * page would map the internal network.
 */
export function redactedError(error: unknown, call: OutboundCall): unknown {
  if (!call.hidden || isUninformative(error)) return error;
  const status =
    error instanceof UpstreamRateLimitError
      ? 429
      : error instanceof UpstreamError ||
          error instanceof InvalidRequestError ||
          error instanceof AuthenticationError
        ? error.status
        : undefined;
  const transport =
    error instanceof UpstreamTimeoutError || (error instanceof UpstreamError && status === undefined);
  const message =
    transport && !call.answered
      ? PSP_UNREACHABLE
      : status === undefined
        ? PSP_FAILED
        : `the PSP answered with an error (HTTP ${Math.floor(status / 100)}xx; ${SEE_LOG})`;
  if (error instanceof UpstreamRateLimitError) return new UpstreamRateLimitError(message, error.retryAfterMs);
  if (error instanceof UpstreamTimeoutError) return new UpstreamTimeoutError(message);
  if (error instanceof UpstreamError) return new UpstreamError(message, error.status);
  if (error instanceof InvalidRequestError) return new InvalidRequestError(message, error.status);
  // The class already says the credentials were refused; the message says no more than that.
  if (error instanceof AuthenticationError) {
    return new AuthenticationError(`the PSP refused the connector's credentials (${SEE_LOG})`, error.status);
  }
  if (error instanceof InvalidConfigError) return new InvalidConfigError(message);
  if (error instanceof WebhookVerificationError) return new WebhookVerificationError(message);
  if (error instanceof ConnectorError) return new ConnectorError(message);
  return new Error(message);
}

import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidRequestError,
  NotImplementedError,
  UpstreamError,
  UpstreamRateLimitError,
} from './errors.js';
import {
  EndpointAllowList,
  isInternalAddress,
  isInternalHost,
  type OutboundCall,
  PSP_UNREACHABLE,
  redactedError,
} from './outbound.js';

describe('internal addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.0.0.5', 'RFC 1918'],
    ['172.16.4.2', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['fd12:3456::1', 'RFC 4193 unique local'],
    ['169.254.169.254', 'link-local, the cloud metadata service'],
    ['fe80::1', 'IPv6 link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['::ffff:10.0.0.5', 'IPv4-mapped private'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ])('%s (%s) is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '52.94.236.248', '2606:4700::6810:85e5', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('classifies IP literals in URL spelling, and names by what they resolve to', async () => {
    expect(await isInternalHost('[::1]')).toBe(true);
    expect(await isInternalHost('localhost')).toBe(true);
    // A name that does not resolve cannot be told apart from one that resolves inside.
    expect(await isInternalHost('nowhere.invalid')).toBe(true);
  });
});

describe('PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW', () => {
  const list = EndpointAllowList.parse('api.stripe.com, *.wise.com, 10.1.2.3:8443, [::1]');
  const allows = (url: string) => list?.allows(new URL(url)) ?? true;

  it('matches names case-insensitively, wildcards below their domain only, and ports when given', () => {
    expect(allows('https://API.Stripe.com/v1')).toBe(true);
    expect(allows('https://api.stripe.com.evil.example/')).toBe(false);
    expect(allows('https://api.sandbox.wise.com')).toBe(true);
    expect(allows('https://wise.com')).toBe(false);
    expect(allows('https://evilwise.com')).toBe(false);
    expect(allows('https://10.1.2.3:8443/x')).toBe(true);
    expect(allows('https://10.1.2.3/x')).toBe(false);
    expect(allows('http://[::1]:9000')).toBe(true);
  });

  it('compares a port against the scheme default when the URL names none', () => {
    const https = EndpointAllowList.parse('psp.example:443');
    expect(https?.allows(new URL('https://psp.example/'))).toBe(true);
    expect(https?.allows(new URL('http://psp.example/'))).toBe(false);
  });

  it('is no list when blank, and refuses what is not a host pattern', () => {
    expect(EndpointAllowList.parse(undefined)).toBeUndefined();
    expect(EndpointAllowList.parse(' , ')).toBeUndefined();
    for (const bad of ['https://api.stripe.com', '*', 'api.*.com', '*.10.0.0.1', 'host:99999', 'a b']) {
      expect(() => EndpointAllowList.parse(bad)).toThrow('is not a host pattern');
    }
  });
});

describe('errors after a call to a hidden host', () => {
  const call = (hidden: boolean, answered = false): OutboundCall => ({ policy: {}, hidden, answered });

  it('keep their class and say only whether the PSP answered, with at most the status class', () => {
    const refused = redactedError(new UpstreamError('cannot reach 10.0.0.5:6379: ECONNREFUSED'), call(true));
    expect(refused).toBeInstanceOf(UpstreamError);
    expect((refused as Error).message).toBe(PSP_UNREACHABLE);
    const notFound = redactedError(
      new InvalidRequestError('10.0.0.5 refused (404): <html>', 404),
      call(true, true),
    );
    expect(notFound).toBeInstanceOf(InvalidRequestError);
    expect((notFound as Error).message).toMatch(/^the PSP answered with an error \(HTTP 4xx; /);
    const limited = redactedError(
      new UpstreamRateLimitError('rate limited by 10.0.0.5', 3000),
      call(true, true),
    );
    expect(limited).toBeInstanceOf(UpstreamRateLimitError);
    expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(3000);
    // Refused credentials stay refused credentials (the schedule pauses on the class), without the detail.
    const locked = redactedError(
      new AuthenticationError(
        "10.0.0.5 refused the connector's credentials (HTTP 401: key k-123 revoked)",
        401,
      ),
      call(true, true),
    );
    expect(locked).toBeInstanceOf(AuthenticationError);
    expect((locked as AuthenticationError).status).toBe(401);
    expect((locked as Error).message).not.toContain('10.0.0.5');
    expect((locked as Error).message).not.toContain('k-123');
  });

  it('are left alone when every host was public or listed, or when they tell nothing', () => {
    const detailed = new InvalidRequestError('api.psp.com refused the request (400): amount too small', 400);
    expect(redactedError(detailed, call(false))).toBe(detailed);
    const notImplemented = new NotImplementedError('createPayout');
    expect(redactedError(notImplemented, call(true, true))).toBe(notImplemented);
  });
});

import { describe, expect, it } from 'vitest';
import type { PspFetch } from './context.js';
import { InvalidConfigError } from './errors.js';
import { policedFetch, type PspExchange, redactedTarget } from './fetch.js';
import { EndpointAllowList, type OutboundCall, withOutboundCall } from './outbound.js';

describe('redactedTarget', () => {
  it('redacts the values of secret-looking query parameters and keeps the rest', () => {
    const url = new URL(
      'https://psp.example/v1/charges?api_key=k1&access_token=t1&client_secret=s1&signature=x&Password=p&limit=10&cursor=c2',
    );
    expect(redactedTarget(url)).toBe(
      '/v1/charges?api_key=[REDACTED]&access_token=[REDACTED]&client_secret=[REDACTED]&signature=[REDACTED]&Password=[REDACTED]&limit=10&cursor=c2',
    );
  });

  it('redacts configured secret values wherever they appear, raw or URL-encoded', () => {
    const secret = 'abc/def+1';
    const url = new URL(
      `https://psp.example/keys/${encodeURIComponent(secret)}/x?q=${encodeURIComponent(secret)}`,
    );
    expect(redactedTarget(url, [secret])).toBe('/keys/[REDACTED]/x?q=[REDACTED]');
  });

  it('never shows user info or the fragment', () => {
    expect(redactedTarget(new URL('https://user:pw@psp.example/a#frag'))).toBe('/a');
  });
});

describe('policedFetch', () => {
  const answering: PspFetch = async () => new Response('{}', { status: 201 });

  it('reports each exchange with its method, URL and status, and forces manual redirects', async () => {
    const seen: PspExchange[] = [];
    let redirect: RequestInit['redirect'];
    const fetch = policedFetch(
      async (input, init) => {
        redirect = init?.redirect;
        return answering(input, init);
      },
      { exchange: (exchange) => seen.push(exchange) },
    );
    await fetch('https://psp.example/a', { method: 'post', redirect: 'follow' });
    expect(redirect).toBe('manual');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', status: 201 });
    expect(seen[0]?.url.href).toBe('https://psp.example/a');
  });

  it('reports a failed exchange without a status and rethrows', async () => {
    const seen: PspExchange[] = [];
    const fetch = policedFetch(
      async () => {
        throw new TypeError('fetch failed');
      },
      { exchange: (exchange) => seen.push(exchange) },
    );
    await expect(fetch('https://psp.example/a')).rejects.toThrow('fetch failed');
    expect(seen[0]?.status).toBeUndefined();
  });

  it('refuses a host outside the allow list before the budget or the request', async () => {
    const steps: string[] = [];
    const fetch = policedFetch(
      async (input, init) => {
        steps.push('request');
        return answering(input, init);
      },
      { before: async () => void steps.push('budget') },
    );
    const call: OutboundCall = {
      policy: { allow: EndpointAllowList.parse('api.psp.example') },
      hidden: false,
      answered: false,
    };
    await expect(withOutboundCall(call, () => fetch('https://elsewhere.example/a'))).rejects.toBeInstanceOf(
      InvalidConfigError,
    );
    expect(steps).toEqual([]);
    await withOutboundCall(call, () => fetch('https://api.psp.example/a'));
    expect(steps).toEqual(['budget', 'request']);
  });

  it('marks an internal host that answered, so its errors stay hidden', async () => {
    const call: OutboundCall = { policy: {}, hidden: false, answered: false };
    await withOutboundCall(call, () => policedFetch(answering)('http://127.0.0.1:9/a'));
    expect(call).toMatchObject({ hidden: true, answered: true });
  });
});

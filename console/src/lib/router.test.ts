// The console's path helpers: base prefix, pattern matching and query strings.
import { describe, expect, it } from 'vitest';
import { matchPath, segment, toAppPath, toHref, withQuery } from './router.js';

describe('console routing', () => {
  it('maps browser paths under /console to in-app paths and back', () => {
    expect(toAppPath('/console')).toBe('/');
    expect(toAppPath('/console/')).toBe('/');
    expect(toAppPath('/console/payments')).toBe('/payments');
    expect(toAppPath('/console/payments/')).toBe('/payments');
    expect(toHref('/')).toBe('/console/');
    expect(toHref('/payments?status=FAILED')).toBe('/console/payments?status=FAILED');
  });

  it('matches patterns segment by segment and decodes parameters', () => {
    expect(matchPath('/payments', '/payments')).toEqual({});
    expect(matchPath('/payments/:paymentID', '/payments/a%2Fb')).toEqual({ paymentID: 'a/b' });
    expect(matchPath('/payments/:paymentID', '/payments')).toBeUndefined();
    expect(matchPath('/payments/:paymentID', '/accounts/x')).toBeUndefined();
    expect(matchPath('/connectors/install', '/connectors/abc')).toBeUndefined();
    expect(matchPath('/accounts/:id', '/accounts/%E0%A4%A')).toBeUndefined();
  });

  it('round-trips an id through a path segment', () => {
    const id = 'eyJQcm92aWRlciI6ImR1bW15cGF5In0=/x?y#z';
    expect(matchPath('/payments/:id', `/payments/${segment(id)}`)).toEqual({ id });
  });

  it('leaves empty filters out of the query string', () => {
    expect(withQuery('/payments', { status: 'FAILED', asset: '', type: undefined })).toBe(
      '/payments?status=FAILED',
    );
    expect(withQuery('/payments', { status: '' })).toBe('/payments');
  });
});

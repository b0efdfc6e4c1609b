// The webhook ingress settings: rates as `N/duration`, the unverified cap, and whose addresses to trust.
import { describe, expect, it } from 'vitest';
import { readSettings } from './settings.js';

describe('webhook ingress settings', () => {
  it('defaults to 2000 per 10 s per source, 10 000 per 10 s per connector, a cap of 10 000, no proxy trusted', () => {
    const settings = readSettings({});
    expect(settings.webhooks.ratePerSource).toEqual({ points: 2000, durationMs: 10_000 });
    expect(settings.webhooks.ratePerConnector).toEqual({ points: 10_000, durationMs: 10_000 });
    expect(settings.webhooks.unverifiedMax).toBe(10_000);
    expect(settings.trustProxy).toBe(false);
  });

  it('reads a rate as a count per duration', () => {
    const settings = readSettings({
      PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: '50/1s',
      PAYBRIDGE_WEBHOOK_RATE_PER_CONNECTOR: ' 3 / 1h ',
    });
    expect(settings.webhooks.ratePerSource).toEqual({ points: 50, durationMs: 1000 });
    expect(settings.webhooks.ratePerConnector).toEqual({ points: 3, durationMs: 3_600_000 });
  });

  it.each(['100', '0/1s', '10/500ms', '10/1.5s', '10/soon', 'many/1s'])('refuses the rate %s', (rate) => {
    expect(() => readSettings({ PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: rate })).toThrow(
      /PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE/,
    );
  });

  it('trusts every proxy, or only the addresses and ranges named', () => {
    expect(readSettings({ PAYBRIDGE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(readSettings({ PAYBRIDGE_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(
      readSettings({ PAYBRIDGE_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8,loopback' }).trustProxy,
    ).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
  });

  it.each(['2', 'yes', '10.0.0.0/33', 'lb.internal'])('refuses PAYBRIDGE_TRUST_PROXY=%s', (value) => {
    expect(() => readSettings({ PAYBRIDGE_TRUST_PROXY: value })).toThrow(/PAYBRIDGE_TRUST_PROXY/);
  });

  it('refuses an unverified cap below 1', () => {
    expect(() => readSettings({ PAYBRIDGE_WEBHOOK_UNVERIFIED_MAX: '0' })).toThrow(
      /PAYBRIDGE_WEBHOOK_UNVERIFIED_MAX/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { assetFromCurrency, isAsset, isIsoAsset, isValidAsset, MAX_ASSET_PRECISION } from './assets.js';

describe('assets', () => {
  it('take a code and a canonical precision on the API', () => {
    for (const asset of ['USD/2', 'JPY/0', 'BTC/8', 'USDC_ETH/6', `ETH/18`, `NEAR/${MAX_ASSET_PRECISION}`]) {
      expect(isAsset(asset), asset).toBe(true);
    }
    for (const asset of [
      'EUR',
      'EUR/02',
      'EUR/00',
      'EUR/999999',
      `EUR/${MAX_ASSET_PRECISION + 1}`,
      'EUR/',
      'EUR/-1',
      'eur/2',
      'EUR/2 ',
      '/2',
      'E\u0000R/2',
    ]) {
      expect(isAsset(asset), asset).toBe(false);
    }
  });

  it('take ISO 4217 codes only on money movements, in any case', () => {
    expect(isIsoAsset('EUR/2')).toBe(true);
    expect(isIsoAsset('eur/2')).toBe(true);
    for (const asset of ['EUR', 'EUR/02', 'EUR/999999', 'BTC/8', 'XXXX/2', 'EU/2']) {
      expect(isIsoAsset(asset), asset).toBe(false);
    }
  });

  it('also take a bare code from PSP data, but not a malformed precision', () => {
    expect(isValidAsset('COIN')).toBe(true);
    expect(isValidAsset('BTC/8')).toBe(true);
    expect(isValidAsset('BTC/08')).toBe(false);
    expect(isValidAsset('BTC/123456')).toBe(false);
  });

  it('derive assets from currencies', () => {
    expect(assetFromCurrency('eur')).toBe('EUR/2');
    expect(assetFromCurrency('JPY')).toBe('JPY/0');
    expect(assetFromCurrency('BTC/8')).toBe('BTC/8');
    expect(assetFromCurrency('BTC/08')).toBeUndefined();
  });
});

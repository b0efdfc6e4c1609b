import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './time.js';

describe('RFC 3339 timestamps', () => {
  it('read what the SDK and Go send, with any offset and up to nanoseconds', () => {
    expect(parseTimestamp('2030-01-01T00:00:00.000Z')?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(parseTimestamp('2024-05-01T10:00:00.123456789Z')?.toISOString()).toBe('2024-05-01T10:00:00.123Z');
    expect(parseTimestamp('2024-05-01T12:30:00+02:30')?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(parseTimestamp('2024-05-01t10:00:00z')?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(parseTimestamp('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseTimestamp('2000-02-29T00:00:00Z')?.toISOString()).toBe('2000-02-29T00:00:00.000Z');
  });

  it('read the zero time and years below 100 as written (no 19xx)', () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseTimestamp('0099-12-31T23:59:59Z')?.toISOString()).toBe('0099-12-31T23:59:59.000Z');
  });

  it('refuse impossible dates and times instead of rolling them over', () => {
    for (const text of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00+01:60',
      '0000-01-01T00:00:00Z',
    ]) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });

  it('refuse what is not RFC 3339, even when Date would read it', () => {
    for (const text of [
      '2024',
      '2024-01-01',
      '2024-01-01T00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00Z',
      'March 7, 2024',
      '+010000-01-01T00:00:00Z',
      '2024-01-01T00:00:00.Z',
      '2024-01-01T00:00:00.1234567890Z',
      '',
    ]) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });
});

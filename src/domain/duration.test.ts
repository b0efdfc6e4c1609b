import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';
import { formatDbTime, formatTime } from './time.js';

describe('Go durations', () => {
  it('parse the forms Formance accepts', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5s')).toBe(1500);
  });

  it('reject text that is not a duration', () => {
    for (const bad of ['', '30', 'm', '30x', '1h 30m', '-1s']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('reject durations longer than Go can hold, and keep the longest it can', () => {
    expect(parseDuration('9223372036854775807ns')).toBe(MAX_DURATION_MS);
    expect(parseDuration('2562047h47m16.854775807s')).toBe(MAX_DURATION_MS);
    for (const bad of ['9223372036854775808000ns', '99999999999h', '2562048h']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it('format like time.Duration.String()', () => {
    expect(formatDuration(1_800_000)).toBe('30m0s');
    expect(formatDuration(2000)).toBe('2s');
    expect(formatDuration(3_600_000)).toBe('1h0m0s');
    expect(formatDuration(5_400_500)).toBe('1h30m0.5s');
    expect(formatDuration(500)).toBe('500ms');
  });
});

describe('wire timestamps', () => {
  it('trim trailing zeros of the fraction', () => {
    expect(formatTime(new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01T10:00:00Z');
    expect(formatTime(new Date('2024-05-01T10:00:00.120Z'))).toBe('2024-05-01T10:00:00.12Z');
  });

  it('keep microseconds of PostgreSQL values', () => {
    expect(formatDbTime('2024-05-01 10:00:00.123456+00')).toBe('2024-05-01T10:00:00.123456Z');
    expect(formatDbTime('2024-05-01 10:00:00+00')).toBe('2024-05-01T10:00:00Z');
  });
});

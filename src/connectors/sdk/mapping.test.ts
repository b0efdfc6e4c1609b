import { describe, expect, it } from 'vitest';
import { mappedOrOther } from './mapping.js';

describe('mappedOrOther', () => {
  const table = { succeeded: 'SUCCEEDED', failed: 'FAILED' } as const;

  it('maps a known value and says nothing', () => {
    const warnings: string[] = [];
    expect(mappedOrOther(table, 'failed', 'charge status', warnings)).toBe('FAILED');
    expect(warnings).toEqual([]);
  });

  it('maps an unknown value, or an inherited property name, to OTHER with a warning naming it', () => {
    const warnings: string[] = [];
    expect(mappedOrOther(table, 'on_hold', 'charge status', warnings)).toBe('OTHER');
    expect(mappedOrOther(table, 'toString', 'charge status', warnings)).toBe('OTHER');
    expect(mappedOrOther(table, 'x'.repeat(100), 'charge status', warnings)).toBe('OTHER');
    expect(warnings).toEqual([
      "unknown charge status 'on_hold' mapped to OTHER",
      "unknown charge status 'toString' mapped to OTHER",
      `unknown charge status '${'x'.repeat(64)}' mapped to OTHER`,
    ]);
  });
});

// Mapping a PSP's vocabulary (statuses, types, event codes) onto Paybridge's, without dropping what is unknown.

/**
 * The value `table` maps `value` to; an unknown value is OTHER, and a warning for the run says which
 * (`unknown <what> '<value>' mapped to OTHER`, the value cut to 64 characters so repeats collapse).
 */
export function mappedOrOther<T extends string>(
  table: Readonly<Record<string, T>>,
  value: unknown,
  what: string,
  warnings: string[],
): T | 'OTHER' {
  const text = String(value);
  const mapped = Object.hasOwn(table, text) ? table[text] : undefined;
  if (mapped !== undefined) return mapped;
  warnings.push(`unknown ${what} '${text.slice(0, 64)}' mapped to OTHER`);
  return 'OTHER';
}

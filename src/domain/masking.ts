// How bank details are shown once stored: enough to recognise them, never enough to use them.

function keepEnds(value: string, head: number, tail: number): string {
  if (value.length <= head + tail) return '*'.repeat(value.length);
  return value.slice(0, head) + '*'.repeat(value.length - head - tail) + value.slice(value.length - tail);
}

/** `DE89370400440532013000` → `DE89**************3000`. */
export const maskIban = (iban: string) => keepEnds(iban, 4, 4);
/** `12345678` → `12***678`. */
export const maskAccountNumber = (number: string) => keepEnds(number, 2, 3);
/** `DEUTDEFF500` → `DEUT*******`: the bank, not the branch. */
export const maskBic = (bic: string) => keepEnds(bic, 4, 0);

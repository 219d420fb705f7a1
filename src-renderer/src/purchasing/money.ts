/** "12.34" (or "12,34") → 1234 minor units, exactly (no float arithmetic); null when it is not an amount. */
export function parseMoney(text: string): number | null {
  const m = /^\s*(\d{1,12})(?:[.,](\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 1234 → "12.34" for an input field. */
export const moneyInput = (minor: number) => `${Math.trunc(minor / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

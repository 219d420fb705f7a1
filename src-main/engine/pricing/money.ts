/**
 * Money math for prices and order amounts: integers only (minor units, basis points),
 * computed in BigInt so no intermediate product can lose precision, and rounded half away
 * from zero (2.5 → 3, −2.5 → −3). No float ever touches an amount.
 */

const BP = 10_000n;

/** num ÷ den rounded half away from zero; den must be positive. */
export function divRound(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new Error('divRound: the divisor must be positive');
  const q = num / den; // truncates toward zero
  const r = num % den;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice >= den) return num < 0n ? q - 1n : q + 1n;
  return q;
}

function toNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) throw new RangeError('Amount is beyond the safe integer range');
  return Number(v);
}

/** amount × (1 − bp/10,000), e.g. list price − 12.5 %. */
export function lessPercent(amountMinor: number, bp: number): number {
  return toNumber(divRound(BigInt(amountMinor) * (BP - BigInt(bp)), BP));
}

/** amount × (1 + bp/10,000), e.g. cost + 30 %. */
export function plusPercent(amountMinor: number, bp: number): number {
  return toNumber(divRound(BigInt(amountMinor) * (BP + BigInt(bp)), BP));
}

/** amount × bp/10,000, e.g. the tax on a subtotal. */
export function percentOf(amountMinor: number, bp: number): number {
  return toNumber(divRound(BigInt(amountMinor) * BigInt(bp), BP));
}

export interface LinePrice {
  unitPriceMinor: number;
  discountBp: number;
  taxRateBp: number;
}

export interface LineAmounts {
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * The amounts of `quantity` units of a line: subtotal = round(q × price × (1 − discount)),
 * tax = round(subtotal × rate), total = subtotal + tax. Amounts of part of a line (an invoice
 * for what was delivered) are differences of this function at cumulative quantities, so the
 * parts always add up to the whole line.
 */
export function lineAmounts(line: LinePrice, quantity: number): LineAmounts {
  const subtotal = divRound(BigInt(quantity) * BigInt(line.unitPriceMinor) * (BP - BigInt(line.discountBp)), BP);
  const tax = divRound(subtotal * BigInt(line.taxRateBp), BP);
  return { subtotalMinor: toNumber(subtotal), taxMinor: toNumber(tax), totalMinor: toNumber(subtotal + tax) };
}

/** The amounts of the units from `from` (exclusive) to `to` (inclusive) of a line. */
export function lineAmountsBetween(line: LinePrice, from: number, to: number): LineAmounts {
  const a = lineAmounts(line, from);
  const b = lineAmounts(line, to);
  return { subtotalMinor: b.subtotalMinor - a.subtotalMinor, taxMinor: b.taxMinor - a.taxMinor, totalMinor: b.totalMinor - a.totalMinor };
}

/** (revenue − cost) ÷ revenue in basis points, rounded; null without revenue. */
export function marginBp(revenueMinor: number, costMinor: number): number | null {
  if (revenueMinor <= 0) return null;
  return toNumber(divRound((BigInt(revenueMinor) - BigInt(costMinor)) * BP, BigInt(revenueMinor)));
}

/** 1250 → "12.5 %", 1000 → "10 %", 5 → "0.05 %". */
export function formatBp(bp: number): string {
  const whole = Math.trunc(bp / 100);
  const frac = Math.abs(bp % 100);
  return `${whole}${frac ? `.${String(frac).padStart(2, '0').replace(/0$/, '')}` : ''} %`;
}

/** 123456 → "1,234.56" (for messages; the contract always carries minor units). */
export function formatMinor(minor: number, currency = ''): string {
  const neg = minor < 0;
  const abs = Math.abs(minor);
  const units = Math.trunc(abs / 100).toLocaleString('en-US');
  return `${neg ? '−' : ''}${currency ? `${currency} ` : ''}${units}.${String(abs % 100).padStart(2, '0')}`;
}

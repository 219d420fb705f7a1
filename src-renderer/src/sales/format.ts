import type { CHANNEL_CODES, ORDER_STATES } from '../../../src-shared/contract/index';

export type OrderState = (typeof ORDER_STATES)[number];
export type ChannelCode = (typeof CHANNEL_CODES)[number];

export const ORDER_STATE_LABELS: Record<OrderState, string> = {
  draft: 'Quotation',
  awaiting_approval: 'Awaiting approval',
  credit_hold: 'Credit hold',
  confirmed: 'Confirmed',
  partially_delivered: 'Partially delivered',
  delivered: 'Delivered',
  invoiced: 'Invoiced',
  done: 'Done',
  cancelled: 'Cancelled',
};
export const ORDER_STATE_COLORS: Record<OrderState, string> = {
  draft: 'gray',
  awaiting_approval: 'orange',
  credit_hold: 'red',
  confirmed: 'indigo',
  partially_delivered: 'cyan',
  delivered: 'teal',
  invoiced: 'green',
  done: 'green',
  cancelled: 'gray',
};
export const CHANNEL_LABELS: Record<ChannelCode, string> = { rep: 'Sales rep', portal: 'B2B portal', ecommerce: 'Web store', marketplace: 'Marketplace', edi: 'EDI', contract: 'Key-account contract' };

/** 123456 → "1,234.56" (minor units, exact: integer division, no float). */
export function money(minor: number | null | undefined, currency?: string): string {
  if (minor === null || minor === undefined) return '—';
  const neg = minor < 0;
  const abs = Math.abs(minor);
  const s = `${Math.trunc(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
  return `${neg ? '−' : ''}${currency ? `${currency} ` : ''}${s}`;
}

/** 1250 → "12.5 %"; null → "—". */
export function pct(bp: number | null | undefined): string {
  if (bp === null || bp === undefined) return '—';
  const neg = bp < 0;
  const abs = Math.abs(bp);
  const frac = abs % 100;
  return `${neg ? '−' : ''}${Math.trunc(abs / 100)}${frac ? `.${String(frac).padStart(2, '0').replace(/0$/, '')}` : ''} %`;
}

/** "12.5" (a percentage typed by the clerk) → 1250 basis points; null when not a number with at most 2 decimals. */
export function parsePercent(text: string): number | null {
  const t = text.trim().replace(/%$/, '').trim();
  if (t === '') return 0;
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** A line's amount as the engine computes it: round(q × price × (1 − discount)), half away from zero, in integers. */
export function lineSubtotal(quantity: number, unitPriceMinor: number, discountBp: number): number {
  const gross = BigInt(quantity) * BigInt(unitPriceMinor) * BigInt(10_000 - discountBp);
  const q = gross / 10_000n;
  const r = gross % 10_000n;
  return Number(r * 2n >= 10_000n ? q + 1n : q);
}

/** (revenue − cost) ÷ revenue in basis points, rounded; null without revenue. */
export function marginOf(revenueMinor: number, costMinor: number): number | null {
  if (revenueMinor <= 0) return null;
  const num = (BigInt(revenueMinor) - BigInt(costMinor)) * 10_000n;
  const den = BigInt(revenueMinor);
  const q = num / den;
  const r = num % den;
  const half = (r < 0n ? -r : r) * 2n >= den;
  return Number(half ? (num < 0n ? q - 1n : q + 1n) : q);
}

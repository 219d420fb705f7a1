/**
 * The normalised order every file format is read into, and the exact-number parsing every
 * format shares (prices are decimal text: read to minor units exactly, never through floats).
 */

export interface ImportErrorItem {
  location: string;
  message: string;
}

export interface ImportedLine {
  lineNo: number;
  /** Where the line is in the file ("line 7", "PO1 segment 14"). */
  location: string;
  /** Item codes to try, best first (EDI sends several: vendor's, UPC, buyer's). */
  skus: string[];
  description: string | null;
  quantity: number;
  unit: string | null;
  /** The sender's unit price in minor units, per `unit`; null when the file gives none. */
  unitPriceMinor: number | null;
}

/** The interchange an EDI order came in, to answer it (855, 856) in the sender's own delimiters. */
export interface EdiEnvelope {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  controlNumber: string;
  groupControl: string;
  setControl: string;
  version: string;
  gsVersion: string;
  delimiters: { element: string; segment: string; component: string };
}

export interface ImportedOrder {
  ref: string;
  source: string;
  /** Delivered twice, created once: marketplace order id, or EDI sender + interchange + set. */
  idemKey: string | null;
  customer: { code?: string | null; email?: string | null; externalId?: string | null; gln?: string | null; name?: string | null };
  shipToGln: string | null;
  customerPo: string | null;
  orderDate: string | null;
  requestedDate: string | null;
  notes: string | null;
  paid: boolean;
  lines: ImportedLine[];
  edi?: EdiEnvelope;
}

/** One order of a file: read, or rejected with where and why. */
export interface ParsedOrder {
  ref: string;
  source: string;
  order: ImportedOrder | null;
  errors: ImportErrorItem[];
}

/** A positive whole quantity from text ("12", "12.000"); a message for anything else. */
export function parseQuantity(raw: string | number | null | undefined): number | string {
  const s = String(raw ?? '').trim();
  if (s === '') return 'Quantity is missing';
  if (!/^[+-]?\d+(\.\d+)?$/.test(s)) return `Quantity "${s}" is not a number`;
  const [whole, frac = ''] = s.replace(/^\+/, '').split('.');
  if (/[1-9]/.test(frac)) return `Quantity ${s} is not a whole number of units`;
  const n = Number(whole);
  if (n <= 0) return `Quantity ${s} must be more than zero`;
  if (!Number.isSafeInteger(n) || n > 1_000_000_000) return `Quantity ${s} is too large`;
  return n;
}

/** A price in minor units from decimal text, exactly; more decimals than the currency has is an error (trailing zeros are fine). */
export function parsePrice(raw: string | number | null | undefined, decimals = 2): number | null | string {
  const s = String(raw ?? '')
    .trim()
    .replace(/^[$€£]/, '');
  if (s === '') return null;
  if (!/^[+-]?\d+(\.\d+)?$/.test(s)) return `Price "${s}" is not a number`;
  if (s.startsWith('-')) return `Price ${s} cannot be negative`;
  const [whole, frac = ''] = s.replace(/^\+/, '').split('.');
  const extra = frac.slice(decimals);
  if (/[1-9]/.test(extra)) return `Price ${s} has more than ${decimals} decimals`;
  const minor = Number(whole) * 10 ** decimals + Number(frac.slice(0, decimals).padEnd(decimals, '0'));
  if (!Number.isSafeInteger(minor)) return `Price ${s} is too large`;
  return minor;
}

/** An ISO date-time from 2026-12-01, 2026-12-01T10:00:00Z or X12's CCYYMMDD; a message otherwise. */
export function parseDate(raw: string | null | undefined, label: string): string | null | { error: string } {
  const s = (raw ?? '').trim();
  if (s === '') return null;
  let iso: string | null = null;
  if (/^\d{8}$/.test(s)) iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T00:00:00.000Z`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) iso = `${s}T00:00:00.000Z`;
  else if (/^\d{4}-\d{2}-\d{2}T/.test(s)) iso = s;
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return { error: `${label} "${s}" is not a date (use 2026-12-31)` };
  return d.toISOString();
}

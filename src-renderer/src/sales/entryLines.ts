import type { OutputOf } from '../../../src-shared/contract/index';
import { parseMoney } from '../lib/money';
import { parsePercent } from './format';

export type EntryInfo = OutputOf<'sales.entry.line'>;
export type FoundProduct = OutputOf<'catalog.product.search'>['rows'][number];

/** One row of the order entry grid, as typed. */
export interface EntryLine {
  key: string;
  /** What is typed in the product cell. */
  text: string;
  product: { id: string; sku: string; name: string; uomId: string; uomCode: string } | null;
  qty: string;
  uomId: string | null;
  /** A manual unit price ("" = the pricelist's). */
  price: string;
  /** A manual discount in percent ("" = none). */
  discount: string;
  info: EntryInfo | null;
  error: string | null;
  loading: boolean;
}

let n = 0;
export function newLine(): EntryLine {
  return { key: `l${++n}`, text: '', product: null, qty: '1', uomId: null, price: '', discount: '', info: null, error: null, loading: false };
}

/** The best product for what was typed: an exact SKU or barcode first, else the highlighted (or first) suggestion. */
export function pickProduct(typed: string, rows: FoundProduct[], highlighted = 0): FoundProduct | null {
  const t = typed.trim().toLowerCase();
  if (!t) return null;
  return rows.find((p) => p.sku.toLowerCase() === t || p.barcode === typed.trim()) ?? rows[highlighted] ?? rows[0] ?? null;
}

export type LineInput = { productId: string; quantity: number; uomId?: string; unitPriceMinor?: number; discountBp: number };

/** The grid's lines as the contract's order lines, or the first problem per row (1-based line numbers). */
export function linesInput(lines: EntryLine[]): { lines: LineInput[]; errors: string[] } {
  const out: LineInput[] = [];
  const errors: string[] = [];
  lines.forEach((l, i) => {
    if (!l.product) {
      if (l.text.trim()) errors.push(`Line ${i + 1}: “${l.text.trim()}” is not a product yet — press Enter to pick it`);
      return;
    }
    const q = Number(l.qty.trim());
    if (!/^\d+$/.test(l.qty.trim()) || q < 1) return errors.push(`Line ${i + 1} (${l.product.sku}): quantity must be a whole number above zero`);
    const d = parsePercent(l.discount);
    if (d === null || d > 10_000) return errors.push(`Line ${i + 1} (${l.product.sku}): discount is a percentage like 12.5`);
    let unitPriceMinor: number | undefined;
    if (l.price.trim()) {
      const p = parseMoney(l.price);
      if (!p.ok) return errors.push(`Line ${i + 1} (${l.product.sku}): price — ${p.message}`);
      if (p.minor < 0) return errors.push(`Line ${i + 1} (${l.product.sku}): price cannot be negative`);
      unitPriceMinor = p.minor;
    }
    out.push({ productId: l.product.id, quantity: q, ...(l.uomId && l.uomId !== l.product.uomId ? { uomId: l.uomId } : {}), ...(unitPriceMinor !== undefined ? { unitPriceMinor } : {}), discountBp: d });
  });
  return { lines: out, errors };
}

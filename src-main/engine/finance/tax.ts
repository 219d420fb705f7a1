import { prorate } from '../inventory/ledger';

/**
 * Tax computation for documents finance writes (and the rules sales' amounts follow):
 *  - a rate per product, replaced by the partner's fiscal position (e.g. export → zero rate);
 *  - prices excluding tax (tax = base × rate) or including it (base = price ÷ (1 + rate));
 *  - rounding per line (each line's tax rounded, then summed) or per total (the exact tax of
 *    each rate summed first, rounded once per rate — at most one cent apart from per line).
 * Integer minor units throughout; halves round away from zero (`prorate`).
 */

export interface TaxLine {
  amountMinor: number;
  taxCode: string;
}

export interface TaxRate {
  code: string;
  rateBp: number;
  priceIncluded: boolean;
}

export interface FiscalPosition {
  /** Tax code → replacement tax code. */
  map: Record<string, string>;
}

export interface TaxResult {
  lines: { baseMinor: number; taxMinor: number; taxCode: string }[];
  byRate: { taxCode: string; rateBp: number; baseMinor: number; taxMinor: number }[];
  untaxedMinor: number;
  taxMinor: number;
  totalMinor: number;
}

export function computeTaxes(lines: TaxLine[], rates: Record<string, TaxRate>, opts: { rounding: 'line' | 'total'; position?: FiscalPosition }): TaxResult {
  const rateOf = (code: string) => {
    const mapped = opts.position?.map[code] ?? code;
    const r = rates[mapped];
    if (!r) throw new Error(`unknown tax ${mapped}`);
    return r;
  };
  const out: TaxResult['lines'] = [];
  const groups = new Map<string, { rate: TaxRate; base: number; gross: number; tax: number }>();
  for (const l of lines) {
    const r = rateOf(l.taxCode);
    // Included: base = gross × 10000 ÷ (10000 + rate); the tax is the rest, so base + tax = gross exactly.
    const base = r.priceIncluded ? prorate(l.amountMinor, 10_000, 10_000 + r.rateBp) : l.amountMinor;
    const tax = r.priceIncluded ? l.amountMinor - base : prorate(l.amountMinor, r.rateBp, 10_000);
    out.push({ baseMinor: base, taxMinor: tax, taxCode: r.code });
    const g = groups.get(r.code) ?? { rate: r, base: 0, gross: 0, tax: 0 };
    g.base += base;
    g.gross += l.amountMinor;
    g.tax += tax;
    groups.set(r.code, g);
  }
  const byRate = [...groups.values()].map((g) => {
    if (opts.rounding === 'line') return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: g.base, taxMinor: g.tax };
    // Per total: one rounding per rate, on the summed amounts.
    if (g.rate.priceIncluded) {
      const base = prorate(g.gross, 10_000, 10_000 + g.rate.rateBp);
      return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: base, taxMinor: g.gross - base };
    }
    return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: g.base, taxMinor: prorate(g.base, g.rate.rateBp, 10_000) };
  });
  const untaxedMinor = byRate.reduce((s, r) => s + r.baseMinor, 0);
  const taxMinor = byRate.reduce((s, r) => s + r.taxMinor, 0);
  return { lines: out, byRate, untaxedMinor, taxMinor, totalMinor: untaxedMinor + taxMinor };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeTaxes, type TaxRate } from './tax';

const RATES: Record<string, TaxRate> = {
  S20: { code: 'S20', rateBp: 2000, priceIncluded: false },
  S20I: { code: 'S20I', rateBp: 2000, priceIncluded: true },
  S7: { code: 'S7', rateBp: 700, priceIncluded: false },
  S0: { code: 'S0', rateBp: 0, priceIncluded: false },
};

describe('tax computation', () => {
  it('excluded and included prices, per line and per total', () => {
    const lines = [{ amountMinor: 333, taxCode: 'S7' }, { amountMinor: 333, taxCode: 'S7' }, { amountMinor: 333, taxCode: 'S7' }];
    // 7 % of 3.33 = 0.2331 → 0.23 per line (0.69), but 0.6993 → 0.70 on the total.
    expect(computeTaxes(lines, RATES, { rounding: 'line' }).taxMinor).toBe(69);
    expect(computeTaxes(lines, RATES, { rounding: 'total' }).taxMinor).toBe(70);
    // 12.00 including 20 %: base 10.00, tax 2.00; the total is the price paid.
    const inc = computeTaxes([{ amountMinor: 1200, taxCode: 'S20I' }], RATES, { rounding: 'line' });
    expect(inc).toMatchObject({ untaxedMinor: 1000, taxMinor: 200, totalMinor: 1200 });
  });

  it('a fiscal position replaces the product’s tax (export: zero rate)', () => {
    const r = computeTaxes([{ amountMinor: 1000, taxCode: 'S20' }], RATES, { rounding: 'line', position: { map: { S20: 'S0' } } });
    expect(r).toMatchObject({ taxMinor: 0, totalMinor: 1000, byRate: [{ taxCode: 'S0', baseMinor: 1000 }] });
  });

  it('included prices always add back to what the customer pays; both roundings stay within a cent per line', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ amountMinor: fc.integer({ min: 0, max: 10_000_000 }), taxCode: fc.constantFrom('S20', 'S20I', 'S7', 'S0') }), { minLength: 1, maxLength: 30 }), (lines) => {
        const perLine = computeTaxes(lines, RATES, { rounding: 'line' });
        const perTotal = computeTaxes(lines, RATES, { rounding: 'total' });
        const gross = lines.filter((l) => RATES[l.taxCode]!.priceIncluded).reduce((s, l) => s + l.amountMinor, 0);
        const inclTotal = (r: typeof perLine) => r.byRate.filter((b) => RATES[b.taxCode]!.priceIncluded).reduce((s, b) => s + b.baseMinor + b.taxMinor, 0);
        expect(inclTotal(perLine)).toBe(gross);
        expect(inclTotal(perTotal)).toBe(gross);
        expect(Math.abs(perLine.taxMinor - perTotal.taxMinor)).toBeLessThanOrEqual(lines.length);
        for (const l of perLine.lines) expect(Number.isInteger(l.taxMinor)).toBe(true);
      }),
    );
  });
});

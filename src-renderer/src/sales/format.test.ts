import { describe, expect, it } from 'vitest';
import { lineSubtotal, marginOf, money, parsePercent, pct } from './format';

describe('sales formatting', () => {
  it('formats minor units and basis points exactly', () => {
    expect(money(123456)).toBe('1,234.56');
    expect(money(-5, 'USD')).toBe('−USD 0.05');
    expect(pct(1250)).toBe('12.5 %');
    expect(pct(1000)).toBe('10 %');
    expect(pct(5)).toBe('0.05 %');
  });
  it('parses typed percentages into basis points, refusing more than 2 decimals', () => {
    expect(parsePercent('12.5')).toBe(1250);
    expect(parsePercent('20 %')).toBe(2000);
    expect(parsePercent('')).toBe(0);
    expect(parsePercent('1.234')).toBeNull();
    expect(parsePercent('-3')).toBeNull();
  });
  it('computes the line amount and margin like the engine (integers, half away from zero)', () => {
    expect(lineSubtotal(3, 1000, 250)).toBe(2925);
    expect(lineSubtotal(1, 333, 5000)).toBe(167);
    expect(marginOf(900, 600)).toBe(3333);
    expect(marginOf(0, 100)).toBeNull();
    expect(marginOf(100, 150)).toBe(-5000);
  });
});

import { describe, expect, it } from 'vitest';
import { formatMoney, moneyInputValue, parseMoney } from './money';

describe('parseMoney', () => {
  it.each([
    ['12.50', 1250],
    ['12.5', 1250],
    ['12', 1200],
    ['12.', 1200],
    ['.5', 50],
    ['0.05', 5],
    ['0', 0],
    ['-0', 0],
    ['-5.00', -500],
    ['+3.10', 310],
    ['1,234.56', 123456],
    ['1,234,567.89', 123456789],
    [' 7.25 ', 725],
    ['1 234.50', 123450],
    ['0.10', 10],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 in floats
    ['1.13', 113], // 1.13 * 100 is 112.99999999999999 in floats
    ['90071992547409.91', 9007199254740991],
  ])('parses %j exactly to %d', (text, minor) => {
    expect(parseMoney(text)).toEqual({ ok: true, minor });
  });

  it('refuses more than two decimals', () => {
    expect(parseMoney('1.005')).toEqual({ ok: false, message: 'At most 2 decimals (whole cents)' });
    expect(parseMoney('0.001')).toMatchObject({ ok: false });
  });

  it.each(['', '   ', 'abc', '1.2.3', '12,34', '1,23.00', '--1', '1e3', '0x10', '.', '-', '12.50 USD', 'Infinity', 'NaN'])('refuses %j', (text) => {
    expect(parseMoney(text).ok).toBe(false);
  });

  it('refuses amounts beyond the safe integer range of minor units', () => {
    expect(parseMoney('90071992547409.92')).toEqual({ ok: false, message: 'Amount is too large' });
    expect(parseMoney('99999999999999999999')).toMatchObject({ ok: false });
  });

  it('says what is missing for an empty field', () => {
    expect(parseMoney('')).toEqual({ ok: false, message: 'Enter an amount' });
  });
});

describe('formatMoney', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [1250, '12.50'],
    [123456, '1,234.56'],
    [-123456789, '-1,234,567.89'],
    [9007199254740991, '90,071,992,547,409.91'],
  ])('formats %d as %j', (minor, text) => {
    expect(formatMoney(minor)).toBe(text);
  });

  it('formats with a currency symbol', () => {
    expect(formatMoney(123450, { currency: 'USD' })).toBe('$1,234.50');
    expect(formatMoney(-5, { currency: 'USD' })).toBe('-$0.05');
    expect(formatMoney(123450, { currency: 'EUR', locale: 'de-DE' })).toBe('1.234,50\u00a0€');
  });

  it('follows the locale’s separators', () => {
    expect(formatMoney(123456, { locale: 'de-DE' })).toBe('1.234,56');
  });

  it('shows a dash for a value that is not whole minor units', () => {
    expect(formatMoney(1.5)).toBe('—');
    expect(formatMoney(Number.NaN)).toBe('—');
  });

  it('round-trips through the input format', () => {
    for (const minor of [0, 1, 10, 99, 100, 1250, 999999, -42, 9007199254740991]) {
      const text = moneyInputValue(minor);
      expect(text).not.toContain(',');
      expect(parseMoney(text)).toEqual({ ok: true, minor });
    }
  });
});

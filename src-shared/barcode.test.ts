import { describe, expect, it } from 'vitest';
import { parseScan, ScanError } from './barcode';

describe('parseScan', () => {
  it('reads EAN-13 and UPC-A', () => {
    expect(parseScan('4006381333931').gtin).toBe('4006381333931');
    expect(parseScan('036000291452').gtin).toBe('0036000291452');
    expect(() => parseScan('4006381333932')).toThrow(ScanError);
  });
  it('reads GS1-128 with FNC1 separators', () => {
    const r = parseScan(']C101095060001343521727123110AB-12\u001d2112345\u001d3710');
    expect(r.gtin).toBe('9506000134352');
    expect(r.expiry).toBe('2027-12-31');
    expect(r.lot).toBe('AB-12');
    expect(r.serial).toBe('12345');
    expect(r.count).toBe(10);
  });
  it('reads the human-readable bracket form and day 00', () => {
    const r = parseScan('(01)09506000134352(17)270200(10)L7');
    expect(r.expiry).toBe('2027-02-28');
    expect(r.lot).toBe('L7');
  });
  it('refuses junk with a clear message', () => {
    expect(() => parseScan('hello')).toThrow(/Unknown GS1/);
    expect(() => parseScan('(01)09506000134353')).toThrow(/check digit/);
  });
});

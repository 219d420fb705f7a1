import { describe, expect, it } from 'vitest';
import { type EntryLine, type FoundProduct, linesInput, newLine, pickProduct } from './entryLines';

const product = (sku: string, barcode: string | null = null) => ({ id: `id-${sku}`, sku, name: sku, barcode }) as unknown as FoundProduct;
const line = (extra: Partial<EntryLine>): EntryLine => ({ ...newLine(), product: { id: 'p1', sku: 'A-1', name: 'A', uomId: 'ea', uomCode: 'EA' }, ...extra });

describe('order entry lines', () => {
  it('picks the exact SKU or barcode before the suggestion order', () => {
    const rows = [product('DRILL-10'), product('DRILL-1', '4006381333931')];
    expect(pickProduct('drill-1', rows)?.sku).toBe('DRILL-1');
    expect(pickProduct('4006381333931', rows)?.sku).toBe('DRILL-1');
    expect(pickProduct('dri', rows, 1)?.sku).toBe('DRILL-1');
    expect(pickProduct('dri', rows)?.sku).toBe('DRILL-10');
    expect(pickProduct('  ', rows)).toBeNull();
  });

  it('turns typed lines into contract lines: exact money and basis points, only other units sent', () => {
    const { lines, errors } = linesInput([line({ qty: '12', discount: '12.5', price: '9.90' }), line({ qty: '2', uomId: 'box' }), { ...newLine(), text: '' }]);
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      { productId: 'p1', quantity: 12, discountBp: 1250, unitPriceMinor: 990 },
      { productId: 'p1', quantity: 2, uomId: 'box', discountBp: 0 },
    ]);
  });

  it('names each bad line', () => {
    const { errors } = linesInput([line({ qty: '0' }), line({ qty: '1.5' }), line({ discount: '10.555' }), line({ price: '1.234' }), { ...newLine(), text: 'nope' }]);
    expect(errors).toEqual([
      'Line 1 (A-1): quantity must be a whole number above zero',
      'Line 2 (A-1): quantity must be a whole number above zero',
      'Line 3 (A-1): discount is a percentage like 12.5',
      'Line 4 (A-1): price — At most 2 decimals (whole cents)',
      'Line 5: “nope” is not a product yet — press Enter to pick it',
    ]);
  });
});

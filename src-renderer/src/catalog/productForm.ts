import { ProductCreateInput, type TRACKING } from '../../../src-shared/contract/index';
import { type PathMap, schemaErrors } from '../lib/forms';
import { moneyInputValue, parseMoney } from '../lib/money';
import type { Product } from './productWindow';

/** What the product form edits: money as the decimal text the user typed. */
export interface ProductFormValues {
  sku: string;
  name: string;
  categoryId: string | null;
  uomId: string | null;
  barcode: string;
  listPrice: string;
  cost: string;
  tracking: (typeof TRACKING)[number];
}

export const PRODUCT_FORM_FIELDS = ['sku', 'name', 'categoryId', 'uomId', 'barcode', 'listPrice', 'cost', 'tracking'] as const;

/** Contract field → form field, where the form holds a different representation. */
export const PRODUCT_PATHS: PathMap = { listPriceMinor: 'listPrice', costMinor: 'cost' };

export function emptyProductForm(defaultUomId: string | null): ProductFormValues {
  return { sku: '', name: '', categoryId: null, uomId: defaultUomId, barcode: '', listPrice: '', cost: '0.00', tracking: 'none' };
}

export function productToForm(p: Product): ProductFormValues {
  return {
    sku: p.sku,
    name: p.name,
    categoryId: p.categoryId,
    uomId: p.uomId,
    barcode: p.barcode ?? '',
    listPrice: moneyInputValue(p.listPriceMinor),
    cost: moneyInputValue(p.costMinor),
    tracking: p.tracking,
  };
}

/**
 * Builds the contract input from the form, and the errors: money that cannot be parsed
 * (text, more than 2 decimals) is reported here; everything else — required, negative
 * price, SKU characters, barcode check digit — by the shared ProductCreateInput schema.
 */
export function productInputOf(values: ProductFormValues): { input: ProductCreateInput; errors: Record<string, string> } {
  const moneyErrors: Record<string, string> = {};
  const money = (field: 'listPrice' | 'cost', label: string): number => {
    const parsed = parseMoney(values[field]);
    if (parsed.ok) return parsed.minor;
    moneyErrors[field] = parsed.message === 'Enter an amount' ? `${label} is required` : parsed.message;
    return 0;
  };
  const input: ProductCreateInput = {
    sku: values.sku,
    name: values.name,
    categoryId: values.categoryId || null,
    uomId: values.uomId ?? '',
    barcode: values.barcode.trim() === '' ? null : values.barcode.trim(),
    listPriceMinor: money('listPrice', 'List price'),
    costMinor: money('cost', 'Cost'),
    tracking: values.tracking,
  };
  const errors = { ...schemaErrors(ProductCreateInput, input, PRODUCT_PATHS), ...moneyErrors };
  if (!values.uomId) errors.uomId = 'Choose a unit of measure';
  return { input, errors };
}

import { describe, expect, it } from 'vitest';
import { applyServerError } from '../lib/forms';
import { RpcError } from '../rpc/errors';
import { PRODUCT_FORM_FIELDS, PRODUCT_PATHS, emptyProductForm, productInputOf, productToForm } from './productForm';
import { isBarcodeLike } from './productWindow';

const UOM = '0190b6f0-0000-7000-8000-000000000001';

function valid() {
  return { ...emptyProductForm(UOM), sku: 'drl-18v', name: 'Cordless drill', listPrice: '129.99', cost: '80' };
}

describe('productInputOf', () => {
  it('builds the contract input with exact minor units and no errors', () => {
    const { input, errors } = productInputOf({ ...valid(), barcode: ' 4006381333931 ' });
    expect(errors).toEqual({});
    expect(input).toEqual({ sku: 'drl-18v', name: 'Cordless drill', categoryId: null, uomId: UOM, barcode: '4006381333931', listPriceMinor: 12999, costMinor: 8000, tracking: 'none' });
  });

  it('reports a negative price with the shared schema’s message, on the form field', () => {
    expect(productInputOf({ ...valid(), listPrice: '-5' }).errors).toEqual({ listPrice: 'Cannot be negative' });
  });

  it('reports money it cannot parse itself, and the schema’s other messages', () => {
    const { errors } = productInputOf({ ...valid(), sku: 'bad sku!', name: '', barcode: '4006381333932', listPrice: '1.005', cost: '' });
    expect(errors).toEqual({
      sku: 'SKU may only contain letters, digits and - _ . /',
      name: 'Name is required',
      barcode: 'Barcode check digit is wrong',
      listPrice: 'At most 2 decimals (whole cents)',
      cost: 'Cost is required',
    });
  });

  it('asks for a unit of measure in words', () => {
    expect(productInputOf({ ...valid(), uomId: null }).errors).toEqual({ uomId: 'Choose a unit of measure' });
  });

  it('round-trips a product through the form', () => {
    const product = {
      id: '0190b6f0-0000-7000-8000-000000000002',
      sku: 'DRL-18V',
      name: 'Cordless drill',
      categoryId: null,
      categoryName: null,
      uomId: UOM,
      uomCode: 'EA',
      barcode: null,
      listPriceMinor: 113,
      costMinor: 29,
      tracking: 'lot' as const,
      active: true,
      version: 3,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    };
    const form = productToForm(product);
    expect(form).toMatchObject({ listPrice: '1.13', cost: '0.29', barcode: '' });
    expect(productInputOf(form).input).toMatchObject({ listPriceMinor: 113, costMinor: 29, barcode: null, tracking: 'lot' });
  });
});

describe('applyServerError', () => {
  function fakeForm() {
    const errors: Record<string, string> = {};
    return { errors, setFieldError: (path: string, message: string) => void (errors[path] = message) };
  }

  it('puts a duplicate SKU on the SKU field and leaves no form-level message', () => {
    const form = fakeForm();
    const e = new RpcError('CONFLICT', 'SKU X is already used by "Y"', { details: { fields: [{ path: 'sku', message: 'Already used by "Y"' }] } });
    expect(applyServerError(form, e, PRODUCT_FORM_FIELDS, PRODUCT_PATHS)).toBeNull();
    expect(form.errors).toEqual({ sku: 'Already used by "Y"' });
  });

  it('maps contract paths to form paths', () => {
    const form = fakeForm();
    const e = new RpcError('VALIDATION', 'listPriceMinor: Cannot be negative', { details: { fields: [{ path: 'listPriceMinor', message: 'Cannot be negative' }] } });
    expect(applyServerError(form, e, PRODUCT_FORM_FIELDS, PRODUCT_PATHS)).toBeNull();
    expect(form.errors).toEqual({ listPrice: 'Cannot be negative' });
  });

  it('returns the message when the error names no field of the form', () => {
    const form = fakeForm();
    expect(applyServerError(form, new RpcError('CONFLICT', 'Someone else changed X'), PRODUCT_FORM_FIELDS)).toBe('Someone else changed X');
    expect(applyServerError(form, new RpcError('VALIDATION', 'bad', { details: { fields: [{ path: 'version', message: 'x' }] } }), PRODUCT_FORM_FIELDS)).toBe('bad');
    expect(form.errors).toEqual({});
  });
});

describe('isBarcodeLike', () => {
  it.each([
    ['12345678', true],
    ['4006381333931', true],
    ['12345678901234', true],
    ['1234567', false],
    ['123456789012345', false],
    ['ABC-123', false],
    ['4006 381', false],
  ])('%j → %s', (text, expected) => {
    expect(isBarcodeLike(text)).toBe(expected);
  });
});

import { z } from 'zod';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { command, query } from './method';

export const TRACKING = ['none', 'lot', 'serial'] as const;

/** SKU: letters, digits and - _ . / ; stored upper-case so lookups are exact. */
export const Sku = z
  .string({ message: 'SKU must be text' })
  .trim()
  .min(1, { message: 'SKU is required' })
  .max(40, { message: 'SKU is at most 40 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_./]*$/, {
    message: 'SKU may only contain letters, digits and - _ . /',
  })
  .transform((s) => s.toUpperCase());

/** GTIN check digit (mod 10, weights 3/1 from the right), shared by EAN-8, UPC-A, EAN-13 and GTIN-14. */
export function gtinCheckDigitValid(code: string): boolean {
  if (!/^\d+$/.test(code)) return false;
  let sum = 0;
  for (let i = code.length - 2, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(code[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(code[code.length - 1]);
}

export const Barcode = z
  .string({ message: 'Barcode must be text' })
  .trim()
  .regex(/^(\d{8}|\d{12}|\d{13}|\d{14})$/, {
    message: 'Barcode must be an EAN-8, UPC-A (12), EAN-13 or GTIN-14 number',
  })
  .refine(gtinCheckDigitValid, { message: 'Barcode check digit is wrong' });

export const Product = z.object({
  id: Id,
  sku: z.string(),
  name: z.string(),
  categoryId: Id.nullable(),
  categoryName: z.string().nullable(),
  uomId: Id,
  uomCode: z.string(),
  barcode: z.string().nullable(),
  listPriceMinor: z.number().int(),
  costMinor: z.number().int(),
  tracking: z.enum(TRACKING),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof Product>;

const productFields = {
  sku: Sku,
  name: text('Name', 200, 1),
  categoryId: Id.nullable().default(null),
  uomId: Id,
  barcode: Barcode.nullable().default(null),
  listPriceMinor: PriceMinor,
  costMinor: PriceMinor,
  tracking: z.enum(TRACKING).default('none'),
};

export const ProductCreateInput = z.object(productFields).strict();
export type ProductCreateInput = z.input<typeof ProductCreateInput>;

export const ProductUpdateInput = z
  .object({ id: Id, version: z.number().int().min(1), ...productFields })
  .partial({ sku: true, name: true, categoryId: true, uomId: true, barcode: true, listPriceMinor: true, costMinor: true, tracking: true })
  .strict();

export const PRODUCT_SORT = ['sku', 'name', 'listPriceMinor', 'costMinor', 'updatedAt', 'category'] as const;

export const ProductListInput = z
  .object({
    query: text('Search', 100).default(''),
    categoryId: Id.optional(),
    status: z.enum(['active', 'archived', 'all']).default('active'),
    sort: z.enum(PRODUCT_SORT).default('sku'),
    dir: SortDir,
    ...PageInput,
  })
  .strict();

export const ProductSearchInput = z
  .object({
    query: text('Search', 100, 1),
    limit: z.number().int().min(1).max(100).default(20),
    includeArchived: z.boolean().default(false),
  })
  .strict();

export const Category = z.object({
  id: Id,
  name: z.string(),
  parentId: Id.nullable(),
  productCount: z.number().int(),
  version: z.number().int(),
});

export const Uom = z.object({ id: Id, code: z.string(), name: z.string(), kind: z.string() });

export const UomConversion = z.object({
  id: Id,
  productId: Id.nullable(),
  fromUomId: Id,
  toUomId: Id,
  numerator: z.number().int(),
  denominator: z.number().int(),
});

const Positive = (label: string) =>
  z.number({ message: `${label} must be a number` }).int({ message: `${label} must be a whole number` }).min(1, { message: `${label} must be at least 1` });

export const catalogContract = {
  'catalog.product.create': command({
    access: 'catalog.write',
    summary: 'Create a product',
    input: ProductCreateInput,
    output: Product,
  }),
  'catalog.product.update': command({
    access: 'catalog.write',
    summary: 'Edit a product (optimistic: pass the version you read)',
    input: ProductUpdateInput,
    output: Product,
  }),
  'catalog.product.archive': command({
    access: 'catalog.write',
    summary: 'Archive a product: it stays in history but cannot be sold or bought',
    input: z.object({ id: Id }).strict(),
    output: Product,
  }),
  'catalog.product.restore': command({
    access: 'catalog.write',
    summary: 'Bring an archived product back',
    input: z.object({ id: Id }).strict(),
    output: Product,
  }),
  'catalog.product.get': query({
    access: 'catalog.read',
    summary: 'One product by id',
    input: z.object({ id: Id }).strict(),
    output: Product,
  }),
  'catalog.product.byBarcode': query({
    access: 'catalog.read',
    summary: 'The product with this barcode, or null',
    input: z.object({ barcode: z.string().trim().min(1).max(64) }).strict(),
    output: Product.nullable(),
  }),
  'catalog.product.search': query({
    access: 'catalog.read',
    summary: 'Typeahead: exact barcode, SKU prefix, then name/SKU substring',
    input: ProductSearchInput,
    output: z.object({ rows: z.array(Product) }),
  }),
  'catalog.product.list': query({
    access: 'catalog.read',
    summary: 'A page of products, filtered and sorted in SQL',
    input: ProductListInput,
    output: pageOf(Product),
  }),
  'catalog.category.list': query({
    access: 'catalog.read',
    summary: 'All categories with their product counts',
    input: z.object({}).strict(),
    output: z.object({ rows: z.array(Category) }),
  }),
  'catalog.category.create': command({
    access: 'catalog.write',
    summary: 'Create a category',
    input: z.object({ name: text('Name', 120, 1), parentId: Id.nullable().default(null) }).strict(),
    output: Category,
  }),
  'catalog.category.rename': command({
    access: 'catalog.write',
    summary: 'Rename a category',
    input: z.object({ id: Id, name: text('Name', 120, 1) }).strict(),
    output: Category,
  }),
  'catalog.uom.list': query({
    access: 'catalog.read',
    summary: 'Units of measure and their conversions',
    input: z.object({}).strict(),
    output: z.object({ uoms: z.array(Uom), conversions: z.array(UomConversion) }),
  }),
  'catalog.uom.create': command({
    access: 'catalog.write',
    summary: 'Create a unit of measure',
    input: z
      .object({
        code: z.string().trim().min(1, { message: 'Code is required' }).max(12).regex(/^[A-Za-z0-9_]+$/, { message: 'Code may only contain letters, digits and _' }),
        name: text('Name', 60, 1),
        kind: z.enum(['unit', 'weight', 'length', 'volume', 'time']).default('unit'),
      })
      .strict(),
    output: Uom,
  }),
  'catalog.uom.addConversion': command({
    access: 'catalog.write',
    summary: '1 fromUom = numerator/denominator toUom, for all products or one product (e.g. a box of 12)',
    input: z
      .object({
        productId: Id.nullable().default(null),
        fromUomId: Id,
        toUomId: Id,
        numerator: Positive('Numerator'),
        denominator: Positive('Denominator').default(1),
      })
      .strict(),
    output: UomConversion,
  }),
  'catalog.uom.convert': query({
    access: 'catalog.read',
    summary: 'Convert a whole quantity exactly between units; refuses when it would not be whole',
    input: z
      .object({
        productId: Id.nullable().default(null),
        fromUomId: Id,
        toUomId: Id,
        quantity: z.number().int({ message: 'Quantity must be a whole number' }),
      })
      .strict(),
    output: z.object({ quantity: z.number().int() }),
  }),
} as const;

import { z } from 'zod';
import { Id, text } from './common';
import { Quantity } from './inventory';
import { query } from './method';
import { CHANNEL_CODES } from './pricing';

/** What the order entry grid shows for a line as the clerk types: price and why, margin, stock per warehouse, substitutes. */
export const EntryLineInfo = z.object({
  productId: Id,
  sku: z.string(),
  name: z.string(),
  /** The product's stock unit. */
  uomId: Id,
  uomCode: z.string(),
  /** The quantity in the product's stock unit (exact conversion from the entered unit). */
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  listPriceMinor: z.number().int(),
  costMinor: z.number().int(),
  ruleId: Id.nullable(),
  /** Why this price: the rule (or list price) that set it. */
  reason: z.string(),
  /** (price − cost) ÷ price in basis points; null at a zero price. */
  marginBp: z.number().int().nullable(),
  /** Available to promise (on hand − reserved) in total and per warehouse. */
  available: z.number().int(),
  byWarehouse: z.array(z.object({ warehouseId: Id, code: z.string(), available: z.number().int(), incoming: z.number().int() })),
  /** Less is available than the line asks for. */
  short: z.boolean(),
  /** When short: active products of the same category with enough available, best stocked first. */
  substitutes: z.array(z.object({ productId: Id, sku: z.string(), name: z.string(), available: z.number().int(), unitPriceMinor: z.number().int() })),
});

export const salesEntryContract = {
  'sales.entry.line': query({
    access: 'sales.read',
    summary: 'Order entry: the price (and why), margin, availability per warehouse and substitutes for a product and quantity, in one call',
    input: z
      .object({
        customerId: Id,
        /** The product; or `code`, an exact SKU or barcode as typed or scanned (one round trip from the keyboard). */
        productId: Id.optional(),
        code: text('SKU or barcode', 100, 1).optional(),
        quantity: Quantity.default(1),
        uomId: Id.optional(),
        channelCode: z.enum(CHANNEL_CODES).default('rep'),
      })
      .strict()
      .refine((v) => (v.productId === undefined) !== (v.code === undefined), { message: 'Give the product or a SKU/barcode (one of them)', path: ['productId'] }),
    output: EntryLineInfo,
  }),
  'sales.entry.checkPo': query({
    access: 'sales.read',
    summary: "Order entry: warnings when the customer's PO number is already on another of its orders",
    input: z.object({ customerId: Id, customerPo: text('Customer PO number', 60, 1), orderId: Id.optional() }).strict(),
    output: z.object({ warnings: z.array(z.string()) }),
  }),
} as const;

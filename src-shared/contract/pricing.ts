import { z } from 'zod';
import { Id, PriceMinor, text } from './common';
import { command, query } from './method';
import { BasisPoints, CUSTOMER_CLASSES, optionalFields } from './partners';

export const CHANNEL_CODES = ['rep', 'portal', 'ecommerce', 'marketplace', 'edi', 'contract'] as const;
export type ChannelCode = (typeof CHANNEL_CODES)[number];

/**
 * How a price rule sets the unit price:
 *  - fixed: the rule's price (a contract price when the rule names a customer);
 *  - list_discount: list price − x % (basis points);
 *  - cost_plus: cost + y % (basis points).
 * Percentages are applied in exact integer math, rounding half away from zero.
 */
export const PRICE_METHODS = ['fixed', 'list_discount', 'cost_plus'] as const;

export const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Use a date like 2026-12-31' });
export const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, { message: 'Currency is a 3-letter code (e.g. USD)' })
  .transform((s) => s.toUpperCase());

export const PriceRule = z.object({
  id: Id,
  pricelistId: Id,
  productId: Id.nullable(),
  productSku: z.string().nullable(),
  categoryId: Id.nullable(),
  /** Set on a contract price: the rule applies to this customer only, and wins. */
  partnerId: Id.nullable(),
  minQuantity: z.number().int(),
  method: z.enum(PRICE_METHODS),
  priceMinor: z.number().int().nullable(),
  percentBp: z.number().int().nullable(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  label: z.string().nullable(),
  active: z.boolean(),
  version: z.number().int(),
});
export type PriceRule = z.infer<typeof PriceRule>;

export const Pricelist = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  /** Applies to every customer of this class (null: any). */
  customerClass: z.enum(CUSTOMER_CLASSES).nullable(),
  /** Applies to orders of this channel (null: any). */
  channelCode: z.enum(CHANNEL_CODES).nullable(),
  /** The company's default list: applies to every order in its currency. */
  isDefault: z.boolean(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  active: z.boolean(),
  version: z.number().int(),
  ruleCount: z.number().int(),
});
export type Pricelist = z.infer<typeof Pricelist>;

const PricelistCode = z
  .string()
  .trim()
  .min(1, { message: 'Code is required' })
  .max(30)
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]*$/, { message: 'Code may only contain letters, digits and - _ .' })
  .transform((s) => s.toUpperCase());

const pricelistFields = {
  code: PricelistCode,
  name: text('Name', 120, 1),
  currency: Currency.default('USD'),
  customerClass: z.enum(CUSTOMER_CLASSES).nullable().default(null),
  channelCode: z.enum(CHANNEL_CODES).nullable().default(null),
  isDefault: z.boolean().default(false),
  validFrom: IsoDay.nullable().default(null),
  validTo: IsoDay.nullable().default(null),
};

const ruleFields = {
  pricelistId: Id,
  productId: Id.nullable().default(null),
  categoryId: Id.nullable().default(null),
  partnerId: Id.nullable().default(null),
  minQuantity: z.number().int({ message: 'Minimum quantity must be a whole number' }).min(1, { message: 'Minimum quantity is at least 1' }).max(1_000_000_000).default(1),
  method: z.enum(PRICE_METHODS),
  /** The unit price of a fixed rule, in minor units (cents). */
  priceMinor: PriceMinor.nullable().default(null),
  /** The percentage of a list_discount or cost_plus rule, in basis points (12.5 % = 1250). */
  percentBp: BasisPoints('Percentage', 1_000_000).nullable().default(null),
  validFrom: IsoDay.nullable().default(null),
  validTo: IsoDay.nullable().default(null),
  label: text('Label', 120).nullable().default(null),
};

export const PriceQuote = z.object({
  productId: Id,
  quantity: z.number().int(),
  unitPriceMinor: z.number().int(),
  listPriceMinor: z.number().int(),
  costMinor: z.number().int(),
  ruleId: Id.nullable(),
  pricelistId: Id.nullable(),
  /** Why this price, for the clerk: which rule (or the list price) set it. */
  reason: z.string(),
});
export type PriceQuote = z.infer<typeof PriceQuote>;

export const pricingContract = {
  'pricing.pricelist.list': query({
    access: 'pricing.read',
    summary: 'All pricelists with their scope and rule counts',
    input: z.object({ includeInactive: z.boolean().default(false) }).strict(),
    output: z.object({ rows: z.array(Pricelist) }),
  }),
  'pricing.pricelist.get': query({
    access: 'pricing.read',
    summary: 'One pricelist with its rules',
    input: z.object({ id: Id }).strict(),
    output: Pricelist.extend({ rules: z.array(PriceRule) }),
  }),
  'pricing.pricelist.create': command({
    access: 'pricing.write',
    summary: 'Create a pricelist for a customer class, a channel, a currency, or the company default',
    input: z.object(pricelistFields).strict(),
    output: Pricelist,
  }),
  'pricing.pricelist.update': command({
    access: 'pricing.write',
    summary: 'Edit a pricelist (optimistic: pass the version you read)',
    input: z
      .object({ id: Id, version: z.number().int().min(1), active: z.boolean().optional(), ...optionalFields(pricelistFields) })
      .strict(),
    output: Pricelist,
  }),
  'pricing.rule.create': command({
    access: 'pricing.write',
    summary: 'Add a price rule: a fixed (contract) price, list − x % or cost + y %, from a quantity, within dates',
    input: z.object(ruleFields).strict(),
    output: PriceRule,
  }),
  'pricing.rule.update': command({
    access: 'pricing.write',
    summary: 'Edit a price rule (optimistic: pass the version you read)',
    input: z
      .object({ id: Id, version: z.number().int().min(1), active: z.boolean().optional(), ...optionalFields(ruleFields) })
      .omit({ pricelistId: true })
      .strict(),
    output: PriceRule,
  }),
  'pricing.quote': query({
    access: 'pricing.read',
    summary: 'The unit price a customer pays for a quantity of a product today (or on a date), and why',
    input: z
      .object({
        customerId: Id,
        productId: Id,
        quantity: z.number().int({ message: 'Quantity must be a whole number' }).min(1, { message: 'Quantity must be more than zero' }).max(1_000_000_000).default(1),
        channelCode: z.enum(CHANNEL_CODES).default('rep'),
        date: IsoDay.optional(),
      })
      .strict(),
    output: PriceQuote,
  }),
} as const;

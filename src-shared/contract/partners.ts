import { z } from 'zod';
import { gtinCheckDigitValid } from './catalog';
import { Id, PageInput, PriceMinor, SortDir, pageOf, text } from './common';
import { command, query } from './method';

export const CUSTOMER_CLASSES = ['key_account', 'regular', 'consumer'] as const;
export type CustomerClass = (typeof CUSTOMER_CLASSES)[number];
/** on_order: invoiced (prepaid) when confirmed; on_delivery: invoiced for what was shipped. */
export const INVOICE_POLICIES = ['on_order', 'on_delivery'] as const;
export const ADDRESS_KINDS = ['bill_to', 'ship_to'] as const;

/** A GS1 Global Location Number: 13 digits with a valid check digit. */
export const Gln = z
  .string({ message: 'GLN must be text' })
  .trim()
  .regex(/^\d{13}$/, { message: 'A GLN has 13 digits' })
  .refine(gtinCheckDigitValid, { message: 'GLN check digit is wrong' });

export const Email = z
  .email({ message: 'Not an e-mail address' })
  .max(200)
  .transform((s) => s.toLowerCase());

export const PartnerCode = z
  .string({ message: 'Code must be text' })
  .trim()
  .min(1, { message: 'Code is required' })
  .max(30, { message: 'Code is at most 30 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]*$/, { message: 'Code may only contain letters, digits and - _ .' })
  .transform((s) => s.toUpperCase());

type OptionalShape<T extends z.ZodRawShape> = { [K in keyof T]: T[K] extends z.ZodDefault<infer I> ? z.ZodOptional<I> : z.ZodOptional<T[K]> };

/**
 * The fields of an edit: each optional, without the create's defaults (a field left out of an
 * edit keeps its value; zod would otherwise fill in the default and overwrite it).
 */
export function optionalFields<T extends z.ZodRawShape>(shape: T): OptionalShape<T> {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional()])) as unknown as OptionalShape<T>;
}

/** Basis points: 1 % = 100 bp; whole numbers only, so money math stays exact. */
export const BasisPoints = (label: string, max = 10_000) =>
  z
    .number({ message: `${label} must be a number` })
    .int({ message: `${label} must be whole basis points (1 % = 100)` })
    .min(0, { message: `${label} cannot be negative` })
    .max(max, { message: `${label} is at most ${max / 100} %` });

export const Address = z.object({
  id: Id,
  kind: z.enum(ADDRESS_KINDS),
  label: z.string().nullable(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postalCode: z.string().nullable(),
  region: z.string().nullable(),
  country: z.string(),
  gln: z.string().nullable(),
  isDefault: z.boolean(),
});

export const AddressInput = z
  .object({
    /** An existing address to change; without it a new address is added. */
    id: Id.optional(),
    kind: z.enum(ADDRESS_KINDS),
    label: text('Label', 60).nullable().default(null),
    line1: text('Street', 200, 1),
    line2: text('Street (2nd line)', 200).nullable().default(null),
    city: text('City', 100, 1),
    postalCode: text('Postal code', 20).nullable().default(null),
    region: text('Region', 60).nullable().default(null),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, { message: 'Country is a 2-letter code (e.g. US)' })
      .transform((s) => s.toUpperCase())
      .default('US'),
    gln: Gln.nullable().default(null),
    isDefault: z.boolean().default(false),
  })
  .strict();

export const Contact = z.object({ id: Id, name: z.string(), email: z.string().nullable(), phone: z.string().nullable(), role: z.string().nullable() });

export const ContactInput = z
  .object({
    id: Id.optional(),
    name: text('Contact name', 120, 1),
    email: Email.nullable().default(null),
    phone: text('Phone', 40).nullable().default(null),
    role: text('Role', 60).nullable().default(null),
  })
  .strict();

export const CustomerSummary = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  legalName: z.string().nullable(),
  taxId: z.string().nullable(),
  customerClass: z.enum(CUSTOMER_CLASSES),
  region: z.string().nullable(),
  pricelistId: Id.nullable(),
  paymentTermsDays: z.number().int(),
  /** null: no credit limit. */
  creditLimitMinor: z.number().int().nullable(),
  invoicePolicy: z.enum(INVOICE_POLICIES),
  graceDays: z.number().int(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  gln: z.string().nullable(),
  externalId: z.string().nullable(),
  taxRateBp: z.number().int().nullable(),
  active: z.boolean(),
  mergedIntoId: Id.nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const Customer = CustomerSummary.extend({
  addresses: z.array(Address),
  contacts: z.array(Contact),
  /** Set when another branch owns the customer on this (bound) install: who, e.g. `B01 "Head Office"`; only that branch changes it. */
  ownedElsewhere: z.string().nullable().optional(),
});
export type Customer = z.infer<typeof Customer>;

const customerFields = {
  code: PartnerCode.optional(),
  name: text('Name', 200, 1),
  legalName: text('Legal name', 200).nullable().default(null),
  taxId: text('Tax id', 40).nullable().default(null),
  customerClass: z.enum(CUSTOMER_CLASSES).default('regular'),
  region: text('Region', 60).nullable().default(null),
  pricelistId: Id.nullable().default(null),
  paymentTermsDays: z.number().int({ message: 'Payment terms are whole days' }).min(0).max(365).default(30),
  creditLimitMinor: PriceMinor.nullable().default(null),
  invoicePolicy: z.enum(INVOICE_POLICIES).default('on_delivery'),
  graceDays: z.number().int({ message: 'Grace days are whole days' }).min(0).max(365).default(0),
  email: Email.nullable().default(null),
  phone: text('Phone', 40).nullable().default(null),
  gln: Gln.nullable().default(null),
  externalId: text('External id', 80).nullable().default(null),
  /** Overrides the products' tax rate for this customer (e.g. 0 for a tax-exempt buyer). */
  taxRateBp: BasisPoints('Tax rate').nullable().default(null),
  addresses: z.array(AddressInput).max(50).default([]),
  contacts: z.array(ContactInput).max(50).default([]),
};

export const CustomerCreateInput = z.object(customerFields).strict();
export type CustomerCreateInput = z.input<typeof CustomerCreateInput>;

export const CustomerUpdateInput = z
  .object({ id: Id, version: z.number().int().min(1), active: z.boolean().optional(), ...optionalFields(customerFields) })
  .strict();

export const CUSTOMER_SORT = ['code', 'name', 'region', 'customerClass', 'creditLimitMinor', 'updatedAt'] as const;

export const CustomerListInput = z
  .object({
    query: text('Search', 100).default(''),
    customerClass: z.enum(CUSTOMER_CLASSES).optional(),
    region: text('Region', 60).optional(),
    status: z.enum(['active', 'archived', 'all']).default('active'),
    sort: z.enum(CUSTOMER_SORT).default('name'),
    dir: SortDir,
    ...PageInput,
  })
  .strict();

export const DuplicateMatch = z.object({
  customer: CustomerSummary,
  /** Which identifiers matched: externalId, email, gln. */
  matchedBy: z.array(z.enum(['externalId', 'email', 'gln'])),
});

export const MergeResult = z.object({
  customer: Customer,
  mergedId: Id,
  /** Fields the kept customer lacked and took from the duplicate. */
  fieldsFilled: z.array(z.string()),
  addressesMoved: z.number().int(),
  contactsMoved: z.number().int(),
  ordersMoved: z.number().int(),
  invoicesMoved: z.number().int(),
  /** One sentence for the clerk: what was merged into what. */
  summary: z.string(),
});

export const partnersContract = {
  'partners.customer.create': command({
    access: 'partners.write',
    summary: 'Create a B2B customer with its addresses and contacts',
    input: CustomerCreateInput,
    output: Customer,
  }),
  'partners.customer.update': command({
    access: 'partners.write',
    summary: 'Edit a customer (optimistic: pass the version you read); addresses and contacts given replace the active ones',
    input: CustomerUpdateInput,
    output: Customer,
  }),
  'partners.customer.get': query({
    access: 'partners.read',
    summary: 'One customer with addresses and contacts',
    input: z.object({ id: Id }).strict(),
    output: Customer,
  }),
  'partners.customer.list': query({
    access: 'partners.read',
    summary: 'A page of customers, filtered and sorted in SQL',
    input: CustomerListInput,
    output: pageOf(CustomerSummary),
  }),
  'partners.customer.search': query({
    access: 'partners.read',
    summary: 'Typeahead: code prefix, then name, e-mail, tax id, GLN or external id substring',
    input: z.object({ query: text('Search', 100, 1), limit: z.number().int().min(1).max(100).default(20) }).strict(),
    output: z.object({ rows: z.array(CustomerSummary) }),
  }),
  'partners.customer.findDuplicates': query({
    access: 'partners.read',
    summary: 'Customers sharing an external id, e-mail or GLN with the given values (or with the given customer)',
    input: z
      .object({
        id: Id.optional(),
        externalId: text('External id', 80).optional(),
        email: Email.optional(),
        gln: Gln.optional(),
      })
      .strict(),
    output: z.object({ rows: z.array(DuplicateMatch) }),
  }),
  'partners.customer.merge': command({
    access: 'partners.write',
    summary: 'Merge a duplicate customer into the one kept: fills missing fields, moves addresses, contacts, orders and invoices, archives the duplicate',
    input: z.object({ keepId: Id, mergeId: Id }).strict(),
    output: MergeResult,
  }),
} as const;

import { sql } from 'kysely';
import type { PriceQuote } from '../../../src-shared/contract/pricing';
import { type Db, dialectOf, type Tx } from '../platform/db';
import { preparedSelectIn } from '../platform/batch';
import { preparedQuery } from '../platform/prepared';
import { formatBp, lessPercent, plusPercent } from './money';
import type { PricelistTable, PriceRuleTable } from './schema';

/**
 * The pricing function. Compiled-once queries (platform/prepared.ts) so an order of many
 * lines prices each one with two point lookups: the product and its candidate rules.
 *
 * Which rule wins, in this order:
 *  1. a contract price: a rule naming the customer (in any active pricelist of the currency);
 *  2. the most specific pricelist that applies: the customer's own, then one for its class
 *     and the order's channel, its class, the channel, then the company default;
 *  3. within it, a rule for the product, then for its category, then for all products;
 *  4. the largest quantity break not above the quantity; then the newest rule.
 * Rules and pricelists apply only within their validity dates (inclusive). Without a rule,
 * the product's list price applies.
 */

export interface PricingContext {
  partnerId: string;
  customerClass: string;
  /** The customer's own pricelist, if any. */
  pricelistId: string | null;
  channelCode: string;
  currency: string;
  /** The pricing day, YYYY-MM-DD. */
  date: string;
}

export interface SaleProduct {
  id: string;
  sku: string;
  name: string;
  uom_id: string;
  category_id: string | null;
  list_price_minor: number;
  cost_minor: number;
  active: number;
  tax_rate_bp: number | null;
}

/** The product columns pricing and order lines need (SaleProduct). */
export const SALE_PRODUCT_COLUMNS = ['id', 'sku', 'name', 'uom_id', 'category_id', 'list_price_minor', 'cost_minor', 'active', 'tax_rate_bp'] as const;

export const productForSale = preparedQuery<{ id: string }, SaleProduct>(['id'], (db, p) => db.selectFrom('product').select(SALE_PRODUCT_COLUMNS).where('id', '=', p.id));

/** A JSON array parameter as a list of values (`x IN (…)`), one compiled statement whatever its length. */
const jsonList = (db: Db | Tx, json: string) =>
  dialectOf(db) === 'postgres' ? sql<string>`(SELECT jsonb_array_elements_text(CAST(${json} AS jsonb)))` : sql<string>`(SELECT value FROM json_each(${json}))`;

/** The products of an order's lines in one statement (a list of up to 50 ids). */
const productsForSale = preparedSelectIn<SaleProduct>((db, ids) =>
  db
    .selectFrom('product')
    .select(SALE_PRODUCT_COLUMNS)
    .where('id', 'in', ids as string[]),
);

/** The products with these ids, by id (unknown ids are missing from the map). */
export async function productsById(db: Db | Tx, ids: readonly string[]): Promise<Map<string, SaleProduct>> {
  const distinct = [...new Set(ids)];
  if (distinct.length === 0) return new Map();
  const rows = distinct.length === 1 ? await productForSale.rows(db, { id: distinct[0]! }) : await productsForSale(db, distinct, {});
  return new Map(rows.map((r) => [r.id, r]));
}

/** A candidate rule's own columns, with its pricelist's (prefixed pl_) that rank it. */
type RuleRow = Pick<
  PriceRuleTable,
  'id' | 'product_id' | 'category_id' | 'partner_id' | 'min_quantity' | 'method' | 'price_minor' | 'percent_bp' | 'valid_from' | 'valid_to' | 'label' | 'created_at' | 'pricelist_id'
> & {
  pl_code: string;
  pl_name: string;
  pl_class: string | null;
  pl_channel: string | null;
  pl_default: number;
};

type RuleParams = { productId: string; categoryId: string | null; partnerId: string; pricelistId: string | null; customerClass: string; channelCode: string; currency: string; date: string; quantity: number };
const RULE_PARAMS: (keyof RuleParams)[] = ['productId', 'categoryId', 'partnerId', 'pricelistId', 'customerClass', 'channelCode', 'currency', 'date', 'quantity'];

/** The conditions every candidate rule meets whatever the product: active, valid, in an applicable pricelist, up to the quantity. */
function applicableRules(db: Db | Tx, p: Omit<RuleParams, 'productId' | 'categoryId'>) {
  return db
    .selectFrom('price_rule as r')
    .innerJoin('pricelist as pl', 'pl.id', 'r.pricelist_id')
    .select([
      'r.id',
      'r.product_id',
      'r.category_id',
      'r.partner_id',
      'r.min_quantity',
      'r.method',
      'r.price_minor',
      'r.percent_bp',
      'r.valid_from',
      'r.valid_to',
      'r.label',
      'r.created_at',
      'pl.id as pricelist_id',
      'pl.code as pl_code',
      'pl.name as pl_name',
      'pl.customer_class as pl_class',
      'pl.channel_code as pl_channel',
      'pl.is_default as pl_default',
    ])
    .where('r.active', '=', sql.lit(1))
    .where('pl.active', '=', sql.lit(1))
    .where('pl.currency', '=', p.currency)
    .where('r.min_quantity', '<=', p.quantity)
    .where((eb) => eb.or([eb('r.valid_from', 'is', null), eb('r.valid_from', '<=', p.date)]))
    .where((eb) => eb.or([eb('r.valid_to', 'is', null), eb('r.valid_to', '>=', p.date)]))
    .where((eb) => eb.or([eb('pl.valid_from', 'is', null), eb('pl.valid_from', '<=', p.date)]))
    .where((eb) => eb.or([eb('pl.valid_to', 'is', null), eb('pl.valid_to', '>=', p.date)]))
    .where((eb) =>
      eb.or([
        eb('r.partner_id', '=', p.partnerId),
        eb.and([
          eb('r.partner_id', 'is', null),
          eb.or([
            eb('pl.id', '=', p.pricelistId),
            eb('pl.is_default', '=', sql.lit(1)),
            eb.and([
              eb.or([eb('pl.customer_class', 'is not', null), eb('pl.channel_code', 'is not', null)]),
              eb.or([eb('pl.customer_class', 'is', null), eb('pl.customer_class', '=', p.customerClass as PricelistTable['customer_class'])]),
              eb.or([eb('pl.channel_code', 'is', null), eb('pl.channel_code', '=', p.channelCode)]),
            ]),
          ]),
        ]),
      ]),
    );
}

/**
 * Candidate rules of a product: three index lookups (by product, by category, for all
 * products) joined into one statement, filtered to active, valid, applicable pricelists.
 */
const candidateRules = preparedQuery<RuleParams, RuleRow>(RULE_PARAMS, (db, p) => {
  const base = () => applicableRules(db, p);
  return base()
    .where('r.product_id', '=', p.productId)
    .unionAll(base().where('r.product_id', 'is', null).where('r.category_id', '=', p.categoryId))
    .unionAll(base().where('r.product_id', 'is', null).where('r.category_id', 'is', null));
});

type BatchRuleParams = Omit<RuleParams, 'productId' | 'categoryId'> & { productIds: string; categoryIds: string };
/**
 * The candidate rules of many products at once (an order's lines): the same three index
 * lookups with id lists (JSON arrays) and the largest quantity; `pricesFor` then keeps, per
 * line, the rules of its product, its category or all products up to its own quantity.
 */
const candidateRulesOfMany = preparedQuery<BatchRuleParams, RuleRow>(['productIds', 'categoryIds', 'partnerId', 'pricelistId', 'customerClass', 'channelCode', 'currency', 'date', 'quantity'], (db, p) => {
  const base = () => applicableRules(db, p);
  return base()
    .where('r.product_id', 'in', jsonList(db, p.productIds))
    .unionAll(base().where('r.product_id', 'is', null).where('r.category_id', 'in', jsonList(db, p.categoryIds)))
    .unionAll(base().where('r.product_id', 'is', null).where('r.category_id', 'is', null));
});

/** How closely a pricelist fits the order: 0 the customer's own … 4 the company default; 5 none of these. */
function pricelistTier(r: RuleRow, c: PricingContext): number {
  if (r.pricelist_id === c.pricelistId) return 0;
  if (r.pl_class && r.pl_channel) return 1;
  if (r.pl_class) return 2;
  if (r.pl_channel) return 3;
  return r.pl_default === 1 ? 4 : 5;
}

function rank(r: RuleRow, c: PricingContext): number[] {
  return [r.partner_id ? 0 : 1, r.partner_id ? 0 : pricelistTier(r, c), r.product_id ? 0 : r.category_id ? 1 : 2, -Number(r.min_quantity)];
}

function better(a: RuleRow, b: RuleRow, c: PricingContext): boolean {
  const ra = rank(a, c);
  const rb = rank(b, c);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
  return a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);
}

function ruleText(r: RuleRow, product: SaleProduct): string {
  const what =
    r.method === 'fixed'
      ? r.partner_id
        ? 'Contract price for this customer'
        : 'Fixed price'
      : r.method === 'list_discount'
        ? `List price − ${formatBp(Number(r.percent_bp ?? 0))}`
        : `Cost + ${formatBp(Number(r.percent_bp ?? 0))}`;
  const scope = r.product_id ? ` on ${product.sku}` : r.category_id ? ' on its category' : ' on all products';
  const from = Number(r.min_quantity) > 1 ? ` from ${Number(r.min_quantity)} units` : '';
  const valid = r.valid_from || r.valid_to ? ` (valid ${r.valid_from ?? '…'} to ${r.valid_to ?? '…'})` : '';
  const label = r.label ? `${r.label}: ` : '';
  return `${label}${what}${scope}${from}${valid}, pricelist ${r.pl_code} "${r.pl_name}"`;
}

/** The unit price of a rule; null when the rule lacks its value (refused on entry, so only for bad data). */
function ruleUnitPrice(r: RuleRow, product: SaleProduct): number | null {
  if (r.method === 'fixed') return r.price_minor === null ? null : Number(r.price_minor);
  if (r.percent_bp === null) return null;
  if (r.method === 'list_discount') return Math.max(0, lessPercent(Number(product.list_price_minor), Number(r.percent_bp)));
  return plusPercent(Number(product.cost_minor), Number(r.percent_bp));
}

const contextParams = (c: PricingContext) => ({ partnerId: c.partnerId, pricelistId: c.pricelistId, customerClass: c.customerClass, channelCode: c.channelCode, currency: c.currency, date: c.date });

/** The price of `quantity` stock units of a product for an order's customer, channel and day. */
export async function priceFor(db: Db | Tx, c: PricingContext, product: SaleProduct, quantity: number): Promise<PriceQuote> {
  const rows = await candidateRules.rows(db, { ...contextParams(c), productId: product.id, categoryId: product.category_id, quantity });
  return quoteFrom(rows, c, product, quantity);
}

/**
 * The prices of many products and quantities for one customer, channel and day (an order's
 * lines) with one read of the candidate rules; the same answer as `priceFor` for each.
 */
export async function pricesFor(db: Db | Tx, c: PricingContext, wanted: readonly { product: SaleProduct; quantity: number }[]): Promise<PriceQuote[]> {
  if (wanted.length <= 1) return Promise.all(wanted.map((w) => priceFor(db, c, w.product, w.quantity)));
  const productIds = [...new Set(wanted.map((w) => w.product.id))];
  const categoryIds = [...new Set(wanted.flatMap((w) => (w.product.category_id ? [w.product.category_id] : [])))];
  const rows = await candidateRulesOfMany.rows(db, {
    ...contextParams(c),
    productIds: JSON.stringify(productIds),
    categoryIds: JSON.stringify(categoryIds),
    quantity: Math.max(...wanted.map((w) => w.quantity)),
  });
  return wanted.map(({ product, quantity }) => {
    const mine = rows.filter((r) => Number(r.min_quantity) <= quantity && (r.product_id !== null ? r.product_id === product.id : r.category_id === null || r.category_id === product.category_id));
    return quoteFrom(mine, c, product, quantity);
  });
}

function quoteFrom(rows: RuleRow[], c: PricingContext, product: SaleProduct, quantity: number): PriceQuote {
  let best: RuleRow | null = null;
  for (const r of rows) if (ruleUnitPrice(r, product) !== null && (!best || better(r, best, c))) best = r;
  // Plain literals: `{ ...base, more }` costs V8 (Node 20) microseconds per object, and every order line is quoted.
  const listPriceMinor = Number(product.list_price_minor);
  const costMinor = Number(product.cost_minor);
  if (!best) return { productId: product.id, quantity, listPriceMinor, costMinor, unitPriceMinor: listPriceMinor, ruleId: null, pricelistId: null, reason: 'List price (no pricelist rule applies)' };
  return { productId: product.id, quantity, listPriceMinor, costMinor, unitPriceMinor: ruleUnitPrice(best, product)!, ruleId: best.id, pricelistId: best.pricelist_id, reason: ruleText(best, product) };
}

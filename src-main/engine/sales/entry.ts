import { sql } from 'kysely';
import { convertQuantity } from '../catalog/uom';
import { availability } from '../inventory/queries';
import { defineHandlers } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { marginBp } from '../pricing/money';
import { priceFor, pricesFor, productForSale, productsById, SALE_PRODUCT_COLUMNS, type PricingContext, type SaleProduct } from '../pricing/price';
import { currencyOf, poWarnings, sellableCustomer } from './orders';

/**
 * Order entry reads: one call per keystroke-settled line gives the price and why, the margin,
 * availability per warehouse and (when short) substitutes, so the grid waits on one round trip.
 * Nothing is written; the order itself is saved through sales.order.create/update.
 */

const SUBSTITUTES = 5;

/** Same category, active, enough free in internal locations, best stocked first. */
const substitutesOf = preparedQuery<{ productId: string; categoryId: string; need: number; limit: number }, { id: string; free: number }>(['productId', 'categoryId', 'need', 'limit'], (db, p) =>
  db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .innerJoin('product as p', 'p.id', 's.product_id')
    .select(['p.id', sql<number>`sum(s.on_hand - s.reserved)`.as('free')])
    .where('p.category_id', '=', p.categoryId)
    .where('p.id', '!=', p.productId)
    .where('p.active', '=', 1)
    .where('l.usage', '=', 'internal')
    .groupBy('p.id')
    .having(sql<boolean>`sum(s.on_hand - s.reserved) >= ${p.need}`)
    .orderBy(sql`sum(s.on_hand - s.reserved)`, 'desc')
    .orderBy('p.id')
    .limit(p.limit),
);

/** The product of an exact SKU (stored upper-case) or barcode (both unique), read in one go with what pricing needs. */
const productByCode = preparedQuery<{ sku: string; code: string }, SaleProduct>(['sku', 'code'], (db, p) =>
  db
    .selectFrom('product')
    .select(SALE_PRODUCT_COLUMNS)
    .where((eb) => eb.or([eb('sku', '=', p.sku), eb('barcode', '=', p.code)]))
    .limit(1),
);
const uomCode = preparedQuery<{ id: string }, { code: string }>(['id'], (db, p) => db.selectFrom('uom').select('code').where('id', '=', p.id));

export async function entryLineInfo(
  db: Db | Tx,
  input: { customerId: string; productId?: string; code?: string; quantity: number; uomId?: string; channelCode: PricingContext['channelCode'] },
  today = new Date().toISOString().slice(0, 10),
) {
  const customer = await sellableCustomer(db, input.customerId);
  let product: SaleProduct | undefined;
  if (input.productId) product = await productForSale.first(db, { id: input.productId });
  else if (input.code) {
    product = await productByCode.first(db, { sku: input.code.toUpperCase(), code: input.code });
    if (!product) throw new DomainError('NOT_FOUND', `No product has the SKU or barcode ${input.code}`, { fields: [{ path: 'code', message: 'Unknown SKU or barcode' }] });
  }
  if (!product) throw notFound('Product');
  const quantity = input.uomId ? await convertQuantity(db, { productId: product.id, fromUomId: input.uomId, toUomId: product.uom_id, quantity: input.quantity }) : input.quantity;
  const pricing: PricingContext = {
    partnerId: customer.id,
    customerClass: customer.customer_class ?? 'regular',
    pricelistId: customer.pricelist_id ?? null,
    channelCode: input.channelCode,
    currency: await currencyOf(db),
    date: today,
  };
  const quote = await priceFor(db, pricing, product, quantity);
  const atp = await availability(db, product.id);
  const short = atp.available < quantity;
  const substitutes = [];
  if (short && product.category_id) {
    // The candidates' products and prices in one read each.
    const found = await substitutesOf.rows(db, { productId: product.id, categoryId: product.category_id, need: quantity, limit: SUBSTITUTES });
    const products = await productsById(db, found.map((s) => s.id));
    const candidates = found.flatMap((s) => {
      const sp = products.get(s.id);
      return sp ? [{ product: sp, quantity, free: Number(s.free) }] : [];
    });
    const prices = await pricesFor(db, pricing, candidates);
    for (const [i, c] of candidates.entries()) substitutes.push({ productId: c.product.id, sku: c.product.sku, name: c.product.name, available: c.free, unitPriceMinor: prices[i]!.unitPriceMinor });
  }
  return {
    productId: product.id,
    sku: product.sku,
    name: product.name,
    uomId: product.uom_id,
    uomCode: (await uomCode.first(db, { id: product.uom_id }))?.code ?? '',
    quantity,
    unitPriceMinor: quote.unitPriceMinor,
    listPriceMinor: quote.listPriceMinor,
    costMinor: quote.costMinor,
    ruleId: quote.ruleId,
    reason: quote.reason,
    marginBp: marginBp(quote.unitPriceMinor, quote.costMinor),
    available: atp.available,
    byWarehouse: atp.byWarehouse.map((w) => ({ warehouseId: w.warehouseId, code: w.code, available: w.available, incoming: w.incoming })),
    short,
    substitutes,
  };
}

export const salesEntryHandlers = defineHandlers({
  'sales.entry.line': async (ctx, input) => entryLineInfo(ctx.db, input),
  'sales.entry.checkPo': async (ctx, input) => ({
    // A fresh order has no id yet: the nil UUID matches no order, so every other order counts.
    warnings: await poWarnings(ctx.db, { id: input.orderId ?? '00000000-0000-0000-0000-000000000000', partnerId: input.customerId, customerPo: input.customerPo }),
  }),
});

import { sql } from 'kysely';
import { CHANNEL_CODES } from '../../../src-shared/contract/pricing';
import { newRowMeta, type CommandContext } from '../platform/context';
import { setChannelPolicy } from './channels';
import { createOrder } from './handlers';

/**
 * The order-to-cash part of the demo company, added at the end of system.loadDemo (after the
 * catalog, customers, warehouses and stock history): every channel with its policy (adding
 * the contract and EDI channels), invoice policies, grace days and addresses of customers,
 * a tax rate on products, pricelists per customer class and channel with quantity breaks,
 * contract prices for a few key accounts, and a handful of open orders in every state a
 * clerk meets: quotations, confirmed and reserved, paid web orders, one waiting for stock,
 * one waiting for approval, one on credit hold. Orders ship from WH1 only, from products
 * with free stock there (the depot's stock is left as the history made it).
 */
export async function seedSalesDemo(ctx: CommandContext): Promise<{ pricelists: number; contractPrices: number; orders: number }> {
  const db = ctx.db;
  const year = ctx.now.slice(0, 4);
  const meta = () => ({ ...newRowMeta(ctx) });

  for (const code of CHANNEL_CODES) {
    const requiredFields = code === 'edi' ? (['customerPo'] as const) : code === 'contract' ? (['customerPo', 'shipTo'] as const) : [];
    await setChannelPolicy(ctx, code, { requiredFields: [...requiredFields] });
  }

  // Customers: search text, invoice policy, grace days, a bill-to and a ship-to address in their region.
  await sql`UPDATE partner SET search_text = lower(code || ' ' || name || ' ' || coalesce(email, '') || ' ' || coalesce(tax_id, '')) WHERE search_text IS NULL`.execute(db);
  await db.updateTable('partner').set({ invoice_policy: 'on_order' }).where('customer_class', '=', 'consumer').execute();
  await db.updateTable('partner').set({ grace_days: 10 }).where('customer_class', '=', 'key_account').execute();
  await db.updateTable('partner').set({ grace_days: 5 }).where('customer_class', '=', 'regular').execute();
  const customers = await db.selectFrom('partner').select(['id', 'code', 'name', 'customer_class', 'region', 'credit_limit_minor']).where('kind', '=', 'customer').where('active', '=', 1).orderBy('code').execute();
  const addresses = customers.flatMap((c, i) => [
    { ...meta(), partner_id: c.id, kind: 'bill_to' as const, label: 'Head office', line1: `${100 + i} Commerce Way`, line2: null, city: `${c.region ?? 'Central'} City`, postal_code: String(10_000 + i), region: c.region, country: 'US', gln: null, is_default: 1, active: 1 },
    { ...meta(), partner_id: c.id, kind: 'ship_to' as const, label: 'Receiving dock', line1: `${200 + i} Industrial Park`, line2: null, city: `${c.region ?? 'Central'} City`, postal_code: String(20_000 + i), region: c.region, country: 'US', gln: null, is_default: 1, active: 1 },
  ]);
  for (let i = 0; i < addresses.length; i += 200) await db.insertInto('partner_address').values(addresses.slice(i, i + 200)).execute();

  // A simple sales tax on every product (finance refines it later).
  await db.updateTable('product').set({ tax_rate_bp: 800 }).where('tax_rate_bp', 'is', null).execute();

  const pricelist = async (code: string, name: string, extra: { customer_class?: 'key_account' | 'regular' | 'consumer'; channel_code?: string; valid_from?: string; valid_to?: string }) => {
    const id = ctx.newId();
    await db
      .insertInto('pricelist')
      .values({ ...newRowMeta(ctx, id), code, name, currency: 'USD', customer_class: extra.customer_class ?? null, channel_code: extra.channel_code ?? null, is_default: 0, valid_from: extra.valid_from ?? null, valid_to: extra.valid_to ?? null, active: 1 })
      .execute();
    return id;
  };
  const rule = (pricelistId: string, r: { method: 'fixed' | 'list_discount' | 'cost_plus'; percent?: number; price?: number; minQuantity?: number; productId?: string; partnerId?: string; label?: string; validFrom?: string; validTo?: string }) => ({
    ...meta(),
    pricelist_id: pricelistId,
    product_id: r.productId ?? null,
    category_id: null,
    partner_id: r.partnerId ?? null,
    min_quantity: r.minQuantity ?? 1,
    method: r.method,
    price_minor: r.price ?? null,
    percent_bp: r.percent ?? null,
    valid_from: r.validFrom ?? null,
    valid_to: r.validTo ?? null,
    label: r.label ?? null,
    active: 1,
  });
  const keyList = await pricelist('KEY-ACCOUNTS', 'Key accounts', { customer_class: 'key_account' });
  const regularList = await pricelist('REGULAR', 'Regular trade', { customer_class: 'regular' });
  const webList = await pricelist(`WEB-${year}`, `Web store ${year}`, { channel_code: 'ecommerce', valid_from: `${year}-01-01`, valid_to: `${year}-12-31` });
  const marketList = await pricelist('MARKETPLACE', 'Marketplace', { channel_code: 'marketplace' });
  const rules = [
    rule(keyList, { method: 'list_discount', percent: 1200, label: 'Key account discount' }),
    rule(keyList, { method: 'list_discount', percent: 1500, minQuantity: 50, label: 'Key account volume' }),
    rule(regularList, { method: 'list_discount', percent: 300, minQuantity: 20, label: 'Volume break' }),
    rule(webList, { method: 'list_discount', percent: 500, label: 'Web promotion' }),
    rule(marketList, { method: 'cost_plus', percent: 4500 }),
  ];

  // Products with free stock in WH1, the last SKUs first (away from the first pages people try by hand).
  const wh1 = await db.selectFrom('warehouse').select(['id', 'code']).where('code', '=', 'WH1').executeTakeFirst();
  const stocked = wh1
    ? await db
        .selectFrom('stock_level as s')
        .innerJoin('product as p', 'p.id', 's.product_id')
        .innerJoin('location as l', 'l.id', 's.location_id')
        .select(['p.id', 'p.sku', 'p.list_price_minor', 'p.cost_minor', sql<number>`sum(s.on_hand - s.reserved)`.as('free')])
        .where('s.warehouse_id', '=', wh1.id)
        .where('l.usage', '=', 'internal')
        .where('p.active', '=', 1)
        .where('p.tracking', '=', 'none')
        .groupBy(['p.id', 'p.sku', 'p.list_price_minor', 'p.cost_minor'])
        .having(sql<boolean>`sum(s.on_hand - s.reserved) >= 40`)
        .orderBy('p.sku', 'desc')
        .limit(60)
        .execute()
    : [];

  // Contract prices: the first key accounts get a fifth off a few products for the year.
  const keyAccounts = customers.filter((c) => c.customer_class === 'key_account');
  let contractPrices = 0;
  for (const [i, c] of keyAccounts.slice(0, 5).entries()) {
    for (const p of stocked.slice(i * 3, i * 3 + 3)) {
      rules.push(rule(keyList, { method: 'fixed', price: Math.round((Number(p.list_price_minor) * 80) / 100), productId: p.id, partnerId: c.id, label: `Contract ${year}`, validFrom: `${year}-01-01`, validTo: `${year}-12-31` }));
      contractPrices++;
    }
  }
  for (let i = 0; i < rules.length; i += 200) await db.insertInto('price_rule').values(rules.slice(i, i + 200)).execute();

  // Open orders, shipping from WH1.
  let orders = 0;
  if (wh1 && stocked.length >= 30) {
    const order = async (customer: { id: string } | undefined, channelCode: (typeof CHANNEL_CODES)[number], lines: { productId: string; quantity: number; discountBp?: number }[], o: { confirm: boolean; po?: string; paid?: boolean; notes?: string }) => {
      if (!customer) return;
      await createOrder(ctx, {
        customerId: customer.id,
        channelCode,
        customerPo: o.po ?? null,
        shipToAddressId: null,
        warehouseId: wh1.id,
        requestedDate: null,
        paymentCaptured: o.paid ?? false,
        notes: o.notes ?? null,
        lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, discountBp: l.discountBp ?? 0 })),
        confirm: o.confirm,
      });
      orders++;
    };
    const pick = (from: number, n: number, qty = 2) => stocked.slice(from, from + n).map((p, i) => ({ productId: p.id, quantity: qty + (i % 3) }));
    const regulars = customers.filter((c) => c.customer_class === 'regular' && Number(c.credit_limit_minor ?? 0) >= 10_000_00);
    const consumers = customers.filter((c) => c.customer_class === 'consumer');
    await order(keyAccounts[0], 'contract', pick(0, 6, 4), { confirm: true, po: 'KA-PO-1001' });
    await order(keyAccounts[1], 'edi', pick(3, 8, 3), { confirm: true, po: 'EDI-850-20417' });
    await order(keyAccounts[2], 'portal', pick(6, 4, 5), { confirm: false, po: 'Q-2231', notes: 'Quotation: customer asks for a volume price' });
    await order(regulars[0], 'rep', pick(10, 5), { confirm: true, po: 'PO-7781' });
    await order(regulars[1], 'portal', pick(15, 3), { confirm: true, po: 'PO-7782' });
    await order(regulars[2], 'rep', pick(18, 3), { confirm: false, notes: 'Quotation for the spring range' });
    // Above the clerk's discount limit: waits for an admin's approval.
    await order(regulars[3], 'rep', pick(21, 2).map((l) => ({ ...l, discountBp: 1800 })), { confirm: true, po: 'PO-7790' });
    await order(consumers[0], 'ecommerce', pick(23, 2, 1), { confirm: true, paid: true });
    await order(consumers[1], 'marketplace', pick(25, 1, 1), { confirm: true, paid: true });
    // More than the customer's credit allows: on hold for finance.
    const small = customers.find((c) => c.customer_class === 'regular' && Number(c.credit_limit_minor ?? 0) === 5_000_00);
    const pricey = [...stocked].sort((a, b) => Number(b.list_price_minor) - Number(a.list_price_minor)).slice(0, 3);
    await order(small, 'rep', pricey.map((p) => ({ productId: p.id, quantity: Math.max(2, Math.ceil(6_000_00 / 3 / Math.max(1, Number(p.list_price_minor)))) })).filter((l) => l.quantity <= 40), { confirm: true, po: 'PO-7800' });
    // Out of stock in WH1: waits for stock, the buyer has a task.
    const empty = await db
      .selectFrom('product as p')
      .select('p.id')
      .where('p.active', '=', 1)
      .where('p.tracking', '=', 'none')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('stock_level as s').select('s.product_id').whereRef('s.product_id', '=', 'p.id').where('s.warehouse_id', '=', wh1.id).where(sql<boolean>`s.on_hand - s.reserved > 0`))))
      .orderBy('p.sku', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (empty) await order(consumers[2], 'marketplace', [{ productId: empty.id, quantity: 2 }], { confirm: true, paid: true });
  }
  return { pricelists: 4, contractPrices, orders };
}

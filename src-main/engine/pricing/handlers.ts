import type { Pricelist, PriceRule } from '../../../src-shared/contract/pricing';
import { getCustomerRow } from '../partners/customers';
import { defineHandlers, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { priceFor, productForSale } from './price';

async function companyCurrency(db: Db | Tx): Promise<string> {
  const row = await db.selectFrom('company').select('currency').orderBy('created_at').executeTakeFirst();
  return row?.currency ?? 'USD';
}

/** Pricelists with the columns `toPricelist` reads, each with its count of active rules. */
function pricelistQuery(db: Db | Tx) {
  return db
    .selectFrom('pricelist as pl')
    .select((eb) => [
      'pl.id',
      'pl.code',
      'pl.name',
      'pl.currency',
      'pl.customer_class',
      'pl.channel_code',
      'pl.is_default',
      'pl.valid_from',
      'pl.valid_to',
      'pl.active',
      'pl.version',
      eb.selectFrom('price_rule as r').select((e) => e.fn.countAll<number>().as('n')).whereRef('r.pricelist_id', '=', 'pl.id').where('r.active', '=', 1).as('rule_count'),
    ]);
}

async function loadPricelist(db: Db | Tx, id: string): Promise<Pricelist> {
  const r = await pricelistQuery(db).where('pl.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Pricelist');
  return toPricelist(r);
}

function toPricelist(r: {
  id: string;
  code: string;
  name: string;
  currency: string;
  customer_class: string | null;
  channel_code: string | null;
  is_default: number;
  valid_from: string | null;
  valid_to: string | null;
  active: number;
  version: number;
  rule_count: number | null;
}): Pricelist {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    currency: r.currency,
    customerClass: r.customer_class as Pricelist['customerClass'],
    channelCode: r.channel_code as Pricelist['channelCode'],
    isDefault: r.is_default === 1,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    active: r.active === 1,
    version: r.version,
    ruleCount: Number(r.rule_count ?? 0),
  };
}

const RULE_COLUMNS = [
  'r.id',
  'r.pricelist_id',
  'r.product_id',
  'p.sku',
  'r.category_id',
  'r.partner_id',
  'r.min_quantity',
  'r.method',
  'r.price_minor',
  'r.percent_bp',
  'r.valid_from',
  'r.valid_to',
  'r.label',
  'r.active',
  'r.version',
] as const;

function rulesQuery(db: Db | Tx) {
  return db.selectFrom('price_rule as r').leftJoin('product as p', 'p.id', 'r.product_id').select(RULE_COLUMNS);
}

function toRule(r: Awaited<ReturnType<ReturnType<typeof rulesQuery>['executeTakeFirstOrThrow']>>): PriceRule {
  return {
    id: r.id,
    pricelistId: r.pricelist_id,
    productId: r.product_id,
    productSku: r.sku,
    categoryId: r.category_id,
    partnerId: r.partner_id,
    minQuantity: Number(r.min_quantity),
    method: r.method,
    priceMinor: r.price_minor === null ? null : Number(r.price_minor),
    percentBp: r.percent_bp,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    label: r.label,
    active: r.active === 1,
    version: r.version,
  };
}

async function loadRule(db: Db | Tx, id: string): Promise<PriceRule> {
  const r = await rulesQuery(db).where('r.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Price rule');
  return toRule(r);
}

/** A rule must say what it sets, and to what; its dates must be in order. */
function checkRule(r: { method: string; priceMinor: number | null; percentBp: number | null; validFrom: string | null; validTo: string | null; productId: string | null; categoryId: string | null }): void {
  const field = (path: string, message: string) => new DomainError('VALIDATION', message, { fields: [{ path, message }] });
  if (r.method === 'fixed' && r.priceMinor === null) throw field('priceMinor', 'A fixed price needs its price (in cents)');
  if (r.method !== 'fixed' && r.percentBp === null) throw field('percentBp', `A ${r.method === 'list_discount' ? 'list − x %' : 'cost + y %'} rule needs its percentage (basis points)`);
  if (r.method === 'list_discount' && (r.percentBp ?? 0) > 10_000) throw field('percentBp', 'A discount on the list price is at most 100 %');
  if (r.validFrom && r.validTo && r.validTo < r.validFrom) throw field('validTo', 'The rule ends before it starts');
  if (r.productId && r.categoryId) throw field('categoryId', 'A rule is for one product or one category, not both');
}

function checkDates(from: string | null, to: string | null): void {
  if (from && to && to < from) throw new DomainError('VALIDATION', 'The pricelist ends before it starts', { fields: [{ path: 'validTo', message: 'Before the start date' }] });
}

async function checkRuleRefs(db: Tx, r: { productId: string | null; categoryId: string | null; partnerId: string | null }): Promise<void> {
  if (r.productId && !(await db.selectFrom('product').select('id').where('id', '=', r.productId).executeTakeFirst())) throw notFound('Product');
  if (r.categoryId && !(await db.selectFrom('category').select('id').where('id', '=', r.categoryId).executeTakeFirst())) throw notFound('Category');
  if (r.partnerId) await getCustomerRow(db, r.partnerId);
}

/** A rule's stored columns from its fields: a fixed price keeps no percentage, a percentage rule no price. */
function ruleColumns(r: Pick<PriceRule, 'productId' | 'categoryId' | 'partnerId' | 'minQuantity' | 'method' | 'priceMinor' | 'percentBp' | 'validFrom' | 'validTo' | 'label'>) {
  return {
    product_id: r.productId,
    category_id: r.categoryId,
    partner_id: r.partnerId,
    min_quantity: r.minQuantity,
    method: r.method,
    price_minor: r.method === 'fixed' ? r.priceMinor : null,
    percent_bp: r.method === 'fixed' ? null : r.percentBp,
    valid_from: r.validFrom,
    valid_to: r.validTo,
    label: r.label,
  };
}

export const pricingHandlers = defineHandlers({
  'pricing.pricelist.list': async (ctx, input) => {
    const rows = await pricelistQuery(ctx.db)
      .$if(!input.includeInactive, (q) => q.where('pl.active', '=', 1))
      .orderBy('pl.code')
      .execute();
    return { rows: rows.map(toPricelist) };
  },

  'pricing.pricelist.get': async (ctx, input) => {
    const pl = await loadPricelist(ctx.db, input.id);
    const rules = await rulesQuery(ctx.db).where('r.pricelist_id', '=', input.id).orderBy('r.active', 'desc').orderBy('r.partner_id').orderBy('p.sku').orderBy('r.min_quantity').orderBy('r.id').execute();
    return { ...pl, rules: rules.map(toRule) };
  },

  'pricing.pricelist.create': async (ctx, input) => {
    checkDates(input.validFrom, input.validTo);
    const dup = await ctx.db.selectFrom('pricelist').select('name').where('code', '=', input.code).executeTakeFirst();
    if (dup) throw new DomainError('CONFLICT', `Pricelist code ${input.code} is already used by "${dup.name}"`, { fields: [{ path: 'code', message: 'Already used' }] });
    const id = ctx.newId();
    await ctx.db
      .insertInto('pricelist')
      .values({
        ...newRowMeta(ctx, id),
        code: input.code,
        name: input.name,
        currency: input.currency,
        customer_class: input.customerClass,
        channel_code: input.channelCode,
        is_default: input.isDefault ? 1 : 0,
        valid_from: input.validFrom,
        valid_to: input.validTo,
        active: 1,
      })
      .execute();
    ctx.summarize(`Created pricelist ${input.code} "${input.name}"`);
    return loadPricelist(ctx.db, id);
  },

  'pricing.pricelist.update': async (ctx, input) => {
    const cur = await loadPricelist(ctx.db, input.id);
    if (cur.version !== input.version) throw new DomainError('CONFLICT', `Someone else changed pricelist ${cur.code} since you opened it; reload to see their change`, { currentVersion: cur.version });
    const next = {
      code: input.code ?? cur.code,
      name: input.name ?? cur.name,
      currency: input.currency ?? cur.currency,
      customer_class: input.customerClass === undefined ? cur.customerClass : input.customerClass,
      channel_code: input.channelCode === undefined ? cur.channelCode : input.channelCode,
      is_default: (input.isDefault ?? cur.isDefault) ? 1 : 0,
      valid_from: input.validFrom === undefined ? cur.validFrom : input.validFrom,
      valid_to: input.validTo === undefined ? cur.validTo : input.validTo,
      active: (input.active ?? cur.active) ? 1 : 0,
    };
    checkDates(next.valid_from, next.valid_to);
    if (next.code !== cur.code && (await ctx.db.selectFrom('pricelist').select('id').where('code', '=', next.code).executeTakeFirst())) {
      throw new DomainError('CONFLICT', `Pricelist code ${next.code} is already used`, { fields: [{ path: 'code', message: 'Already used' }] });
    }
    await ctx.db.updateTable('pricelist').set({ ...next, updated_at: ctx.now, version: cur.version + 1 }).where('id', '=', input.id).execute();
    ctx.summarize(`Edited pricelist ${next.code}`);
    return loadPricelist(ctx.db, input.id);
  },

  'pricing.rule.create': async (ctx, input) => {
    const pl = await loadPricelist(ctx.db, input.pricelistId);
    checkRule(input);
    await checkRuleRefs(ctx.db, input);
    const id = ctx.newId();
    await ctx.db
      .insertInto('price_rule')
      .values({
        ...newRowMeta(ctx, id),
        pricelist_id: input.pricelistId,
        ...ruleColumns(input),
        active: 1,
      })
      .execute();
    const rule = await loadRule(ctx.db, id);
    ctx.summarize(`Added a ${input.partnerId ? 'contract price' : `${input.method} rule`} to pricelist ${pl.code}${rule.productSku ? ` for ${rule.productSku}` : ''}`);
    return rule;
  },

  'pricing.rule.update': async (ctx, input) => {
    const cur = await loadRule(ctx.db, input.id);
    if (cur.version !== input.version) throw new DomainError('CONFLICT', 'Someone else changed this price rule since you opened it; reload to see their change', { currentVersion: cur.version });
    const pick = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    const next = {
      productId: pick(input.productId, cur.productId),
      categoryId: pick(input.categoryId, cur.categoryId),
      partnerId: pick(input.partnerId, cur.partnerId),
      minQuantity: pick(input.minQuantity, cur.minQuantity),
      method: pick(input.method, cur.method),
      priceMinor: pick(input.priceMinor, cur.priceMinor),
      percentBp: pick(input.percentBp, cur.percentBp),
      validFrom: pick(input.validFrom, cur.validFrom),
      validTo: pick(input.validTo, cur.validTo),
      label: pick(input.label, cur.label),
      active: pick(input.active, cur.active),
    };
    checkRule(next);
    await checkRuleRefs(ctx.db, next);
    await ctx.db
      .updateTable('price_rule')
      .set({
        ...ruleColumns(next),
        active: next.active ? 1 : 0,
        updated_at: ctx.now,
        version: cur.version + 1,
      })
      .where('id', '=', input.id)
      .execute();
    ctx.summarize(`Edited a price rule${cur.productSku ? ` for ${cur.productSku}` : ''}`);
    return loadRule(ctx.db, input.id);
  },

  'pricing.quote': async (ctx, input) => {
    const customer = await getCustomerRow(ctx.db, input.customerId);
    const product = await productForSale.first(ctx.db, { id: input.productId });
    if (!product) throw notFound('Product');
    return priceFor(
      ctx.db,
      {
        partnerId: customer.id,
        customerClass: customer.customer_class ?? 'regular',
        pricelistId: customer.pricelist_id ?? null,
        channelCode: input.channelCode,
        currency: await companyCurrency(ctx.db),
        date: input.date ?? new Date().toISOString().slice(0, 10),
      },
      product,
      input.quantity,
    );
  },
});

export { companyCurrency };

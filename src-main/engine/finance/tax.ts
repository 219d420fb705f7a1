import { prorate } from '../inventory/ledger';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound, refuse } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { lineAmounts, lineAmountsBetween, type LineAmounts, type LinePrice } from '../pricing/money';

/**
 * Tax computation for documents finance writes (and the rules sales' amounts follow):
 *  - a rate per product, replaced by the partner's fiscal position (e.g. export → zero rate);
 *  - prices excluding tax (tax = base × rate) or including it (base = price ÷ (1 + rate));
 *  - rounding per line (each line's tax rounded, then summed) or per total (the exact tax of
 *    each rate summed first, rounded once per rate — at most one cent apart from per line).
 * Integer minor units throughout; halves round away from zero (`prorate`).
 */

export interface TaxLine {
  amountMinor: number;
  taxCode: string;
}

export interface TaxRate {
  code: string;
  rateBp: number;
  priceIncluded: boolean;
}

export interface FiscalPosition {
  /** Tax code → replacement tax code. */
  map: Record<string, string>;
}

export interface TaxResult {
  lines: { baseMinor: number; taxMinor: number; taxCode: string }[];
  byRate: { taxCode: string; rateBp: number; baseMinor: number; taxMinor: number }[];
  untaxedMinor: number;
  taxMinor: number;
  totalMinor: number;
}

export function computeTaxes(lines: TaxLine[], rates: Record<string, TaxRate>, opts: { rounding: 'line' | 'total'; position?: FiscalPosition }): TaxResult {
  const rateOf = (code: string) => {
    const mapped = opts.position?.map[code] ?? code;
    const r = rates[mapped];
    if (!r) throw new Error(`unknown tax ${mapped}`);
    return r;
  };
  const out: TaxResult['lines'] = [];
  const groups = new Map<string, { rate: TaxRate; base: number; gross: number; tax: number }>();
  for (const l of lines) {
    const r = rateOf(l.taxCode);
    // Included: base = gross × 10000 ÷ (10000 + rate); the tax is the rest, so base + tax = gross exactly.
    const base = r.priceIncluded ? prorate(l.amountMinor, 10_000, 10_000 + r.rateBp) : l.amountMinor;
    const tax = r.priceIncluded ? l.amountMinor - base : prorate(l.amountMinor, r.rateBp, 10_000);
    out.push({ baseMinor: base, taxMinor: tax, taxCode: r.code });
    const g = groups.get(r.code) ?? { rate: r, base: 0, gross: 0, tax: 0 };
    g.base += base;
    g.gross += l.amountMinor;
    g.tax += tax;
    groups.set(r.code, g);
  }
  const byRate = [...groups.values()].map((g) => {
    if (opts.rounding === 'line') return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: g.base, taxMinor: g.tax };
    // Per total: one rounding per rate, on the summed amounts.
    if (g.rate.priceIncluded) {
      const base = prorate(g.gross, 10_000, 10_000 + g.rate.rateBp);
      return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: base, taxMinor: g.gross - base };
    }
    return { taxCode: g.rate.code, rateBp: g.rate.rateBp, baseMinor: g.base, taxMinor: prorate(g.base, g.rate.rateBp, 10_000) };
  });
  const untaxedMinor = byRate.reduce((s, r) => s + r.baseMinor, 0);
  const taxMinor = byRate.reduce((s, r) => s + r.taxMinor, 0);
  return { lines: out, byRate, untaxedMinor, taxMinor, totalMinor: untaxedMinor + taxMinor };
}

// ---------------------------------------------------------------------------------------------
// Taxes on documents: what sales invoices, credit notes and vendor bills are taxed at.

/** A partner's tax rules: the rate each line is taxed at, and how the document's taxes round. */
export interface TaxPolicy {
  rounding: 'line' | 'total';
  /** The tax a line is taxed at, from the rate the line carries (product's or customer's), after the fiscal position. */
  resolve(rateBp: number): TaxRate;
  /** The rates by code (for `computeTaxes`). */
  rates: Record<string, TaxRate>;
}

interface TaxTables {
  rounding: 'line' | 'total';
  rates: { code: string; rate_bp: number; price_included: number; scope: 'sales' | 'purchase' }[];
  positions: Map<string, Record<string, string>>;
}

const taxTables = new WeakMap<object, TaxTables>();

const partnerPosition = preparedQuery<{ id: string }, { fiscal_position_id: string | null }>(['id'], (db, p) => db.selectFrom('partner').select('fiscal_position_id').where('id', '=', p.id));

/**
 * Tax rates, fiscal positions and the rounding rule, read once per command (they are small):
 * kept per transaction (so an order priced and invoiced in one command reads them once), else
 * per context.
 */
async function readTaxTables(ctx: { db: Db | Tx }): Promise<TaxTables> {
  const key = cacheKey(ctx);
  let t = taxTables.get(key);
  if (t) return t;
  const [rates, positions, company] = await Promise.all([
    ctx.db.selectFrom('tax_rate').select(['code', 'rate_bp', 'price_included', 'scope']).where('active', '=', 1).orderBy('code').execute(),
    ctx.db.selectFrom('fiscal_position').select(['id', 'tax_map']).execute(),
    ctx.db.selectFrom('company').select('tax_rounding').orderBy('created_at').executeTakeFirst(),
  ]);
  const map = new Map<string, Record<string, string>>();
  for (const p of positions) map.set(p.id, Object.fromEntries((JSON.parse(p.tax_map) as { from: string; to: string }[]).map((m) => [m.from, m.to])));
  t = { rounding: company?.tax_rounding === 'total' ? 'total' : 'line', rates, positions: map };
  taxTables.set(key, t);
  return t;
}

const cacheKey = (ctx: { db: Db | Tx }): object => (ctx.db.isTransaction ? ctx.db : ctx);

/**
 * The tax policy for a document of `partnerId`: a line's rate (basis points, as sales put it on
 * the order line) is the tax of that scope with that rate (excluding tax when several), or an
 * excluded rate of its own when the company has none; the partner's fiscal position then
 * replaces its code (EXPORT: S20 → S0). The rounding rule is the company's.
 */
export async function taxPolicyFor(ctx: { db: Db | Tx }, partnerId: string, scope: 'sales' | 'purchase'): Promise<TaxPolicy> {
  const t = await readTaxTables(ctx);
  const positionId = (await partnerPosition.first(ctx.db, { id: partnerId }))?.fiscal_position_id ?? null;
  const position = positionId ? t.positions.get(positionId) : undefined;
  const rates: Record<string, TaxRate> = {};
  for (const r of t.rates) if (r.scope === scope) rates[r.code] = { code: r.code, rateBp: r.rate_bp, priceIncluded: r.price_included === 1 };
  const byBp = new Map<number, TaxRate>();
  for (const r of Object.values(rates)) {
    const had = byBp.get(r.rateBp);
    if (!had || (had.priceIncluded && !r.priceIncluded)) byBp.set(r.rateBp, r);
  }
  return {
    rounding: t.rounding,
    rates,
    resolve(rateBp) {
      const own = byBp.get(rateBp) ?? { code: `${scope === 'sales' ? 'S' : 'P'}@${rateBp}`, rateBp, priceIncluded: false };
      rates[own.code] ??= own;
      const mapped = position?.[own.code];
      if (!mapped) return own;
      const r = rates[mapped];
      if (!r) throw new DomainError('BUSINESS_RULE', `The fiscal position maps tax ${own.code} to ${mapped}, which is not an active ${scope} tax: fix it in Finance → Taxes`);
      return r;
    },
  };
}

/**
 * The amounts of the units from `from` (exclusive) to `to` (inclusive) of a priced line taxed
 * at `rate`: differences of the amount function at cumulative quantities (like
 * `lineAmountsBetween`), so the documents of a line add up to the whole line. Excluded: the
 * priced amount is the base, tax = round(base × rate). Included: the priced amount is what the
 * customer pays, base = round(amount ÷ (1 + rate)), tax = amount − base (exact by construction).
 */
export function taxedAmountsBetween(price: LinePrice, from: number, to: number, rate: TaxRate): LineAmounts {
  // Plain literals (a leading spread costs microseconds a line on Node 20; every invoice line comes here).
  if (!rate.priceIncluded) return lineAmountsBetween({ unitPriceMinor: price.unitPriceMinor, discountBp: price.discountBp, taxRateBp: rate.rateBp }, from, to);
  const at = (q: number) => {
    const gross = lineAmounts({ unitPriceMinor: price.unitPriceMinor, discountBp: price.discountBp, taxRateBp: 0 }, q).subtotalMinor;
    const base = prorate(gross, 10_000, 10_000 + rate.rateBp);
    return { subtotalMinor: base, taxMinor: gross - base, totalMinor: gross };
  };
  const a = at(from);
  const b = at(to);
  return { subtotalMinor: b.subtotalMinor - a.subtotalMinor, taxMinor: b.taxMinor - a.taxMinor, totalMinor: b.totalMinor - a.totalMinor };
}

/**
 * Rounding per total: each rate's tax is rounded once on the document (`computeTaxes`), and the
 * difference to the sum of the lines' taxes goes to the largest line of that rate (its base
 * moves the other way when the price includes tax, so every line keeps base + tax = total when
 * excluded and = the price paid when included). Per line: the lines are left as they are.
 * Mutates and returns `lines`.
 */
export function applyTaxRounding<T extends { subtotal_minor: number; tax_minor: number; total_minor: number }>(rows: T[], taxCodes: string[], policy: TaxPolicy): T[] {
  if (policy.rounding === 'line' || rows.length < 2) return rows;
  const included = (i: number) => policy.rates[taxCodes[i]!]?.priceIncluded ?? false;
  const doc = computeTaxes(
    rows.map((r, i) => ({ amountMinor: included(i) ? r.total_minor : r.subtotal_minor, taxCode: taxCodes[i]! })),
    policy.rates,
    { rounding: 'total' },
  );
  for (const rate of doc.byRate) {
    const of = rows.map((r, i) => ({ r, i })).filter((x) => taxCodes[x.i] === rate.taxCode);
    const diff = rate.taxMinor - of.reduce((s, x) => s + x.r.tax_minor, 0);
    if (diff === 0) continue;
    const largest = of.reduce((m, x) => (Math.abs(x.r.subtotal_minor) > Math.abs(m.r.subtotal_minor) ? x : m));
    largest.r.tax_minor += diff;
    if (included(largest.i)) largest.r.subtotal_minor -= diff;
    else largest.r.total_minor += diff;
  }
  return rows;
}

/** A document line to tax: its price (with the rate sales put on it) and the units from `from` (exclusive) to `to` (inclusive). */
export interface TaxableLine {
  price: LinePrice;
  from: number;
  to: number;
}

/**
 * The taxed amounts of a document's lines — the one function orders and invoices share: each
 * line's rate through the partner's policy (fiscal position), its amounts by
 * `taxedAmountsBetween` (price included or not), then the company's rounding
 * (`applyTaxRounding`). An order priced with it (all units, from 0) has the totals an invoice of
 * all of it has.
 */
export function taxDocumentLines(policy: TaxPolicy, lines: TaxableLine[]): { rate: TaxRate; subtotal_minor: number; tax_minor: number; total_minor: number }[] {
  const rows = lines.map((l) => {
    const rate = policy.resolve(l.price.taxRateBp);
    const a = taxedAmountsBetween(l.price, l.from, l.to, rate);
    return { rate, subtotal_minor: a.subtotalMinor, tax_minor: a.taxMinor, total_minor: a.totalMinor };
  });
  applyTaxRounding(
    rows,
    rows.map((r) => r.rate.code),
    policy,
  );
  return rows;
}

/** Tax rates, fiscal positions and the rounding rule, for the Taxes screen. */
export async function taxSettings(db: Db | Tx) {
  const [rates, positions, company] = await Promise.all([
    db.selectFrom('tax_rate').select(['id', 'code', 'name', 'scope', 'rate_bp', 'price_included', 'account_id', 'active']).orderBy('scope').orderBy('code').execute(),
    db.selectFrom('fiscal_position').select(['id', 'code', 'name', 'tax_map']).orderBy('code').execute(),
    db.selectFrom('company').select('tax_rounding').orderBy('created_at').executeTakeFirst(),
  ]);
  return {
    rounding: company?.tax_rounding === 'total' ? ('total' as const) : ('line' as const),
    rates: rates.map((r) => ({ id: r.id, code: r.code, name: r.name, scope: r.scope, rateBp: r.rate_bp, priceIncluded: r.price_included === 1, accountId: r.account_id, active: r.active === 1 })),
    fiscalPositions: positions.map((p) => ({ id: p.id, code: p.code, name: p.name, map: JSON.parse(p.tax_map) as { from: string; to: string }[] })),
  };
}

/** The company's tax rounding rule (central master data: the company row replicates). */
export async function configureTaxes(ctx: CommandContext, input: { rounding: 'line' | 'total' }) {
  const company = await ctx.db.selectFrom('company').select(['id', 'version']).orderBy('created_at').executeTakeFirst();
  if (!company) throw new DomainError('BUSINESS_RULE', 'There is no company to configure yet: finish the setup first');
  await ctx.db.updateTable('company').set({ tax_rounding: input.rounding, updated_at: ctx.now, version: company.version + 1 }).where('id', '=', company.id).execute();
  taxTables.delete(cacheKey(ctx));
  ctx.summarize(`Tax rounding set to ${input.rounding === 'line' ? 'per line' : 'per total'}`);
  return taxSettings(ctx.db);
}

/** Gives a partner a fiscal position (or none); its documents from now on are taxed through it. */
export async function setFiscalPosition(ctx: CommandContext, input: { partnerId: string; fiscalPositionId: string | null }) {
  const partner = await ctx.db.selectFrom('partner').select(['id', 'name', 'version']).where('id', '=', input.partnerId).executeTakeFirst();
  if (!partner) throw new DomainError('VALIDATION', 'partnerId: there is no such customer or vendor', { fields: [{ path: 'partnerId', message: 'Unknown partner' }] });
  let label = 'none';
  if (input.fiscalPositionId) {
    const fp = await ctx.db.selectFrom('fiscal_position').select(['id', 'code']).where('id', '=', input.fiscalPositionId).executeTakeFirst();
    if (!fp) throw new DomainError('VALIDATION', 'fiscalPositionId: there is no such fiscal position', { fields: [{ path: 'fiscalPositionId', message: 'Unknown fiscal position' }] });
    label = fp.code;
  }
  await ctx.db.updateTable('partner').set({ fiscal_position_id: input.fiscalPositionId, updated_at: ctx.now, version: partner.version + 1 }).where('id', '=', partner.id).execute();
  ctx.summarize(`Fiscal position of ${partner.name}: ${label}`);
  return { partnerId: partner.id, fiscalPositionId: input.fiscalPositionId };
}

// ---------------------------------------------------------------------------------------------
// Editing the tax tables (Finance → Taxes). Central master data: refused on a branch bound to a
// centre (`finance.tax.` in CENTRAL_ONLY_METHOD_PREFIXES), edited at the centre or standalone.

const field = (path: string, message: string, text: string, code: 'VALIDATION' | 'CONFLICT' | 'BUSINESS_RULE' = 'VALIDATION') => new DomainError(code, text, { fields: [{ path, message }] });

type PositionMap = { from: string; to: string }[];

async function positionsUsing(ctx: CommandContext, code: string, as: 'from' | 'to' | 'any'): Promise<string[]> {
  const rows = await ctx.db.selectFrom('fiscal_position').select(['code', 'tax_map']).orderBy('code').execute();
  return rows.filter((p) => (JSON.parse(p.tax_map) as PositionMap).some((m) => (as !== 'to' && m.from === code) || (as !== 'from' && m.to === code))).map((p) => p.code);
}

export interface TaxRateInput {
  id?: string;
  code: string;
  name: string;
  scope: 'sales' | 'purchase';
  rateBp: number;
  priceIncluded: boolean;
  accountId: string;
  active: boolean;
}

/**
 * Creates or edits a tax rate. Refused with the reason: a code another rate has, an unknown or
 * archived account, renaming the code, changing the scope or archiving a rate a fiscal position
 * maps (fix the position first). Documents already written keep their amounts; the next
 * document uses the new rate.
 */
export async function saveTaxRate(ctx: CommandContext, input: TaxRateInput) {
  const dup = await ctx.db.selectFrom('tax_rate').select('id').where('code', '=', input.code).executeTakeFirst();
  if (dup && dup.id !== input.id) throw field('code', 'Already used', `Tax code ${input.code} already exists: pick another code or edit that rate`, 'CONFLICT');
  const account = await ctx.db.selectFrom('account').select(['id', 'code', 'active']).where('id', '=', input.accountId).executeTakeFirst();
  if (!account) throw field('accountId', 'Unknown account', 'accountId: there is no such account');
  if (account.active !== 1) throw field('accountId', 'Archived account', `Account ${account.code} is archived: pick an active account`);
  const values = { code: input.code, name: input.name, scope: input.scope, rate_bp: input.rateBp, price_included: input.priceIncluded ? 1 : 0, account_id: input.accountId, active: input.active ? 1 : 0 };
  if (input.id) {
    const had = await ctx.db.selectFrom('tax_rate').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!had) throw notFound('Tax rate');
    if (had.code !== input.code || had.scope !== input.scope || (had.active === 1 && !input.active)) {
      const using = await positionsUsing(ctx, had.code, had.code !== input.code || had.scope !== input.scope ? 'any' : 'to');
      if (using.length > 0) {
        const what = had.code !== input.code ? `renamed to ${input.code}` : had.scope !== input.scope ? `moved to ${input.scope}` : 'archived';
        throw refuse(`Tax ${had.code} is used by fiscal position ${using.join(', ')}: it cannot be ${what} until the position no longer maps it`);
      }
    }
    await ctx.db.updateTable('tax_rate').set({ ...values, updated_at: ctx.now, version: had.version + 1 }).where('id', '=', had.id).execute();
    ctx.summarize(`Updated tax ${input.code} (${input.rateBp / 100}%${input.priceIncluded ? ', included in price' : ''})`);
  } else {
    await ctx.db.insertInto('tax_rate').values({ ...newRowMeta(ctx), ...values }).execute();
    ctx.summarize(`Created tax ${input.code} (${input.rateBp / 100}%${input.priceIncluded ? ', included in price' : ''})`);
  }
  taxTables.delete(cacheKey(ctx));
  return taxSettings(ctx.db);
}

/**
 * Creates or edits a fiscal position. Its mapping replaces a tax by another of the same scope
 * (S20 → S0); refused with the line named: an unknown rate on either side, a rate mapped twice,
 * a target that is archived or of the other scope, a code another position has.
 */
export async function saveFiscalPosition(ctx: CommandContext, input: { id?: string; code: string; name: string; map: PositionMap }) {
  const dup = await ctx.db.selectFrom('fiscal_position').select('id').where('code', '=', input.code).executeTakeFirst();
  if (dup && dup.id !== input.id) throw field('code', 'Already used', `Fiscal position ${input.code} already exists: pick another code or edit that position`, 'CONFLICT');
  const rates = new Map((await ctx.db.selectFrom('tax_rate').select(['code', 'scope', 'active']).execute()).map((r) => [r.code, r]));
  const seen = new Set<string>();
  for (const [i, m] of input.map.entries()) {
    const line = `Mapping line ${i + 1} (${m.from} → ${m.to})`;
    const from = rates.get(m.from);
    const to = rates.get(m.to);
    if (!from) throw field(`map.${i}.from`, 'Unknown tax', `${line}: there is no tax ${m.from}`);
    if (!to) throw field(`map.${i}.to`, 'Unknown tax', `${line}: there is no tax ${m.to}; create it first`);
    if (to.active !== 1) throw field(`map.${i}.to`, 'Archived tax', `${line}: tax ${m.to} is archived`);
    if (from.scope !== to.scope) throw field(`map.${i}.to`, 'Other scope', `${line}: ${m.from} is a ${from.scope} tax and ${m.to} a ${to.scope} tax; map within one scope`);
    if (seen.has(m.from)) throw field(`map.${i}.from`, 'Mapped twice', `${line}: ${m.from} is already mapped on an earlier line`);
    seen.add(m.from);
  }
  const values = { code: input.code, name: input.name, tax_map: JSON.stringify(input.map.map((m) => ({ from: m.from, to: m.to }))) };
  if (input.id) {
    const had = await ctx.db.selectFrom('fiscal_position').select(['id', 'version']).where('id', '=', input.id).executeTakeFirst();
    if (!had) throw notFound('Fiscal position');
    await ctx.db.updateTable('fiscal_position').set({ ...values, updated_at: ctx.now, version: had.version + 1 }).where('id', '=', had.id).execute();
    ctx.summarize(`Updated fiscal position ${input.code}`);
  } else {
    await ctx.db.insertInto('fiscal_position').values({ ...newRowMeta(ctx), ...values }).execute();
    ctx.summarize(`Created fiscal position ${input.code}`);
  }
  taxTables.delete(cacheKey(ctx));
  return taxSettings(ctx.db);
}

/** Customers and vendors (not merged away) by code or name, with their fiscal position. */
export async function taxPartners(db: Db | Tx, input: { query: string; limit: number }) {
  const q = `%${input.query.toLowerCase().replace(/[%_\\]/g, '')}%`;
  const rows = await db
    .selectFrom('partner as p')
    .leftJoin('fiscal_position as f', 'f.id', 'p.fiscal_position_id')
    .select(['p.id', 'p.code', 'p.name', 'p.kind', 'p.fiscal_position_id', 'f.code as fp_code'])
    .where('p.merged_into_id', 'is', null)
    .where((eb) => eb.or([eb(eb.fn('lower', ['p.code']), 'like', q), eb(eb.fn('lower', ['p.name']), 'like', q)]))
    .orderBy('p.code')
    .limit(input.limit)
    .execute();
  return rows.map((r) => ({ id: r.id, code: r.code, name: r.name, kind: r.kind, fiscalPositionId: r.fiscal_position_id ?? null, fiscalPositionCode: r.fp_code ?? null }));
}

/**
 * Order entry's live figures before the order is saved: the lines' rate as sales will put it
 * (customer's, else the product's, else the sales default) taxed by `taxDocumentLines` — what the
 * saved order and its invoice will show.
 */
export async function previewTaxes(db: Db | Tx, input: { partnerId: string; lines: { productId: string; quantity: number; unitPriceMinor: number; discountBp: number }[] }) {
  const { readSalesSettings } = await import('../sales/settings');
  const partner = await db.selectFrom('partner').select(['id', 'tax_rate_bp']).where('id', '=', input.partnerId).executeTakeFirst();
  if (!partner) throw new DomainError('VALIDATION', 'partnerId: there is no such customer', { fields: [{ path: 'partnerId', message: 'Unknown customer' }] });
  const ids = [...new Set(input.lines.map((l) => l.productId))];
  const productRates = new Map((ids.length ? await db.selectFrom('product').select(['id', 'tax_rate_bp']).where('id', 'in', ids).execute() : []).map((p) => [p.id, p.tax_rate_bp ?? null]));
  const fallback = (await readSalesSettings(db)).defaultTaxRateBp;
  const policy = await taxPolicyFor({ db }, partner.id, 'sales');
  const lines = input.lines.map((l) => ({ price: { unitPriceMinor: l.unitPriceMinor, discountBp: l.discountBp, taxRateBp: partner.tax_rate_bp ?? productRates.get(l.productId) ?? fallback }, from: 0, to: l.quantity }));
  const taxed = taxDocumentLines(policy, lines);
  const byRate = new Map<string, { taxCode: string; rateBp: number; priceIncluded: boolean; baseMinor: number; taxMinor: number }>();
  for (const t of taxed) {
    const r = byRate.get(t.rate.code) ?? { taxCode: t.rate.code, rateBp: t.rate.rateBp, priceIncluded: t.rate.priceIncluded, baseMinor: 0, taxMinor: 0 };
    r.baseMinor += t.subtotal_minor;
    r.taxMinor += t.tax_minor;
    byRate.set(t.rate.code, r);
  }
  const untaxedMinor = taxed.reduce((s, t) => s + t.subtotal_minor, 0);
  const taxMinor = taxed.reduce((s, t) => s + t.tax_minor, 0);
  return { untaxedMinor, taxMinor, totalMinor: untaxedMinor + taxMinor, byRate: [...byRate.values()] };
}

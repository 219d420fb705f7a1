import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateAccountId } from '../../../migrations/0011_finance';
import { purchasingFixture } from '../purchasing/fixtures';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, errorOf, type TestEngine } from '../testing/databases';
import { financeUsers } from './fixtures';

const ACC = (code: string) => templateAccountId(code);

/** Finance → Taxes: editing tax rates and fiscal positions, assigning a position to a partner. */
describe.each(DIALECTS)('tax settings on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let finance: { userId: string };
  let clerk: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    ({ as, f, finance, clerk } = await financeUsers(t));
  });
  afterAll(async () => t.dispose());

  const snapshot = async () => JSON.stringify(await t.engine.run('finance.tax.settings', {}, finance));
  const settings = () => t.engine.run('finance.tax.settings', {}, finance);
  const rate = { code: 'S12', name: 'Sales VAT 12%', scope: 'sales' as const, rateBp: 1200, priceIncluded: false, accountId: ACC('2200') };

  it('creates and edits a tax rate; refuses a bad rate, a duplicate code, an unknown account or a clerk with nothing written', async () => {
    const created = await t.engine.run('finance.tax.rate.save', rate, finance);
    const s12 = created.rates.find((r) => r.code === 'S12')!;
    expect(s12).toMatchObject({ rateBp: 1200, priceIncluded: false, accountId: ACC('2200'), active: true, scope: 'sales' });
    const edited = await t.engine.run('finance.tax.rate.save', { ...rate, id: s12.id, name: 'Sales VAT 12.5% incl.', rateBp: 1250, priceIncluded: true }, finance);
    expect(edited.rates.find((r) => r.id === s12.id)).toMatchObject({ code: 'S12', name: 'Sales VAT 12.5% incl.', rateBp: 1250, priceIncluded: true });
    // Lower case codes are taken as upper case.
    expect((await t.engine.run('finance.tax.rate.save', { ...rate, code: 's5', rateBp: 500 }, finance)).rates.some((r) => r.code === 'S5')).toBe(true);

    const before = await snapshot();
    const tooHigh = await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S200', rateBp: 20_000 }, finance));
    expect(tooHigh?.code).toBe('VALIDATION');
    expect(tooHigh?.message).toMatch(/at most 10000 basis points/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'SNEG', rateBp: -1 }, finance)))?.message).toMatch(/cannot be negative/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'SFRAC', rateBp: 12.5 }, finance)))?.message).toMatch(/whole basis points/);
    const dup = await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S20', rateBp: 2000 }, finance));
    expect(dup?.code).toBe('CONFLICT');
    expect(dup?.message).toMatch(/Tax code S20 already exists/);
    // Renaming a rate onto another's code is the same refusal.
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, id: s12.id, code: 'S5' }, finance)))?.code).toBe('CONFLICT');
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S13', accountId: ACC('9999') }, finance)))?.message).toMatch(/no such account/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S14', name: '  ' }, finance)))?.message).toMatch(/Name is required/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S 14' }, finance)))?.message).toMatch(/Code: 1–16 letters/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...rate, code: 'S15' }, clerk)))?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toBe(before);
  });

  it('creates and edits a fiscal position; refuses a mapping to an unknown, archived or other-scope rate, a rate mapped twice, a duplicate code', async () => {
    const before = await snapshot();
    const unknown = await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EU', name: 'EU B2B', map: [{ from: 'S20', to: 'S99' }] }, finance));
    expect(unknown?.code).toBe('VALIDATION');
    expect(unknown?.message).toBe('Mapping line 1 (S20 → S99): there is no tax S99; create it first');
    expect((await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EU', name: 'EU B2B', map: [{ from: 'SXX', to: 'S0' }] }, finance)))?.message).toMatch(/there is no tax SXX/);
    expect((await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EU', name: 'EU B2B', map: [{ from: 'S20', to: 'P0' }] }, finance)))?.message).toMatch(/S20 is a sales tax and P0 a purchase tax/);
    expect((await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EU', name: 'EU B2B', map: [{ from: 'S20', to: 'S0' }, { from: 'S20', to: 'S12' }] }, finance)))?.message).toMatch(/line 2 .*S20 is already mapped/);
    expect((await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EXPORT', name: 'Again', map: [] }, finance)))?.code).toBe('CONFLICT');
    expect((await errorOf(t.engine.run('finance.tax.fiscalPosition.save', { code: 'EU', name: 'EU B2B', map: [] }, clerk)))?.code).toBe('FORBIDDEN');
    expect(await snapshot()).toBe(before);

    const saved = await t.engine.run('finance.tax.fiscalPosition.save', { code: 'eu', name: 'EU B2B', map: [{ from: 'S20', to: 'S0' }] }, finance);
    const eu = saved.fiscalPositions.find((p) => p.code === 'EU')!;
    expect(eu.map).toEqual([{ from: 'S20', to: 'S0' }]);
    const edited = await t.engine.run('finance.tax.fiscalPosition.save', { id: eu.id, code: 'EU', name: 'EU reverse charge', map: [{ from: 'S20', to: 'S0' }, { from: 'S12', to: 'S5' }] }, finance);
    expect(edited.fiscalPositions.find((p) => p.id === eu.id)).toMatchObject({ name: 'EU reverse charge', map: [{ from: 'S20', to: 'S0' }, { from: 'S12', to: 'S5' }] });

    // A rate a position maps cannot be renamed, moved to the other scope or archived (the position would point nowhere).
    const s5 = edited.rates.find((r) => r.code === 'S5')!;
    const s5Input = { id: s5.id, code: 'S5', name: s5.name, scope: 'sales' as const, rateBp: 500, priceIncluded: false, accountId: ACC('2200') };
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...s5Input, active: false }, finance)))?.message).toBe('Tax S5 is used by fiscal position EU: it cannot be archived until the position no longer maps it');
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...s5Input, code: 'S6' }, finance)))?.message).toMatch(/used by fiscal position EU: it cannot be renamed to S6/);
    expect((await errorOf(t.engine.run('finance.tax.rate.save', { ...s5Input, scope: 'purchase' }, finance)))?.message).toMatch(/cannot be moved to purchase/);
    // Its rate may change.
    expect((await t.engine.run('finance.tax.rate.save', { ...s5Input, rateBp: 550 }, finance)).rates.find((r) => r.id === s5.id)?.rateBp).toBe(550);
  });

  it('assigns a fiscal position to a customer and a vendor; the partner list shows it; the invoice applies it', async () => {
    const s = await settings();
    const eu = s.fiscalPositions.find((p) => p.code === 'EU')!;
    const c = await f.customer({ creditLimitMinor: null, taxRateBp: 2000 });
    const v = await (await purchasingFixture(t.engine, as, { code: 'WHV' })).vendor();
    await t.engine.run('finance.partner.fiscalPosition', { partnerId: c.id, fiscalPositionId: eu.id }, finance);
    await t.engine.run('finance.partner.fiscalPosition', { partnerId: v.id, fiscalPositionId: eu.id }, finance);
    const listed = await t.engine.run('finance.tax.partners', { query: c.name.slice(0, 12) }, finance);
    expect(listed.find((p) => p.id === c.id)).toMatchObject({ kind: 'customer', fiscalPositionId: eu.id, fiscalPositionCode: 'EU' });
    expect((await t.engine.run('finance.tax.partners', { query: v.code }, finance)).find((p) => p.id === v.id)).toMatchObject({ kind: 'vendor', fiscalPositionCode: 'EU' });
    expect((await errorOf(t.engine.run('finance.partner.fiscalPosition', { partnerId: c.id, fiscalPositionId: null }, clerk)))?.code).toBe('FORBIDDEN');

    const p = await f.stocked(5, { cost: 100 });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 2, unitPriceMinor: 1000 }], confirm: true }, as);
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    expect(inv).toMatchObject({ untaxedMinor: 2000, taxMinor: 0, totalMinor: 2000 });
  });

  it('an order’s tax figures are the invoice’s: fiscal position, tax-included rate, per-total rounding; partial delivery and cancellation add up to the order', async () => {
    const db = t.database.db;
    // S16I: 16 % included in the price; the position ABROAD zero-rates S20 (the first product's tax).
    const s = await t.engine.run('finance.tax.rate.save', { code: 'S16I', name: 'Sales VAT 16% included', scope: 'sales', rateBp: 1600, priceIncluded: true, accountId: ACC('2200') }, finance);
    const abroad = (await t.engine.run('finance.tax.fiscalPosition.save', { code: 'ABROAD', name: 'Abroad', map: [{ from: 'S20', to: 'S0' }] }, finance)).fiscalPositions.find((p) => p.code === 'ABROAD')!;
    expect(s.rates.some((r) => r.code === 'S16I' && r.priceIncluded)).toBe(true);
    const p20 = await f.stocked(20, { cost: 100 });
    const p16 = await f.stocked(20, { cost: 100 });
    await db.updateTable('product').set({ tax_rate_bp: 2000 }).where('id', '=', p20.id).execute();
    await db.updateTable('product').set({ tax_rate_bp: 1600 }).where('id', '=', p16.id).execute();
    const c = await f.customer({ creditLimitMinor: null });
    await t.engine.run('finance.partner.fiscalPosition', { partnerId: c.id, fiscalPositionId: abroad.id }, finance);
    const lines = [
      { productId: p20.id, quantity: 3, unitPriceMinor: 333 },
      { productId: p16.id, quantity: 1, unitPriceMinor: 106 },
      { productId: p16.id, quantity: 1, unitPriceMinor: 106 },
    ];
    const figures = (x: { untaxedMinor: number; taxMinor: number; totalMinor: number }) => ({ untaxedMinor: x.untaxedMinor, taxMinor: x.taxMinor, totalMinor: x.totalMinor });

    // Per total: 16 % included in 1.06 + 1.06 = 2.12 → base 1.83, tax 0.29 once for the rate (per line it would be 0.15 + 0.15).
    await t.engine.run('finance.tax.configure', { rounding: 'total' }, finance);
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines, confirm: true }, as);
    const before = await t.engine.run('sales.order.get', { id: order.id }, as);
    // S20 → S0 by the position (no tax on 9.99); S16I: the price includes the tax.
    expect(figures(before)).toEqual({ untaxedMinor: 999 + 183, taxMinor: 29, totalMinor: 999 + 212 });
    expect(before.lines.map((l) => l.totalMinor)).toEqual([999, 106, 106]);
    // Order entry's live figures before saving come from the same function.
    const preview = await t.engine.run('finance.tax.preview', { partnerId: c.id, lines: lines.map((l) => ({ ...l, discountBp: 0 })) }, clerk);
    expect(figures(preview)).toEqual(figures(before));
    expect(preview.byRate).toEqual([
      { taxCode: 'S0', rateBp: 0, priceIncluded: false, baseMinor: 999, taxMinor: 0 },
      { taxCode: 'S16I', rateBp: 1600, priceIncluded: true, baseMinor: 183, taxMinor: 29 },
    ]);
    expect((await errorOf(t.engine.run('finance.tax.preview', { partnerId: p20.id, lines: [] }, clerk)))?.message).toMatch(/no such customer/);
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    expect(figures(inv)).toEqual(figures(before));
    expect(inv.lines.map((l) => [l.subtotalMinor, l.taxMinor, l.totalMinor])).toEqual(before.lines.map((l) => [l.subtotalMinor, l.taxMinor, l.totalMinor]));
    const after = await t.engine.run('sales.order.get', { id: order.id }, as);
    expect(after.invoicedMinor).toBe(after.totalMinor);

    // Per line, delivered in part and the rest cancelled: invoiced + cancelled = the order's total.
    await t.engine.run('finance.tax.configure', { rounding: 'line' }, finance);
    const partial = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p16.id, quantity: 7, unitPriceMinor: 1999 }, { productId: p20.id, quantity: 2, unitPriceMinor: 500 }], confirm: true }, as);
    const ordered = await t.engine.run('sales.order.get', { id: partial.id }, as);
    expect(figures(ordered)).toEqual({ untaxedMinor: 12_063 + 1000, taxMinor: 1930, totalMinor: 13_993 + 1000 });
    await f.ship(partial.id, { quantities: { [p16.id]: 3, [p20.id]: 2 }, createBackorder: false });
    const partInv = await t.engine.run('sales.invoice.create', { orderId: partial.id }, as);
    const done = await t.engine.run('sales.order.get', { id: partial.id }, as);
    expect(done.invoicedMinor).toBe(partInv.totalMinor);
    expect(done.cancelledMinor).toBeGreaterThan(0);
    expect(done.invoicedMinor + done.cancelledMinor).toBe(done.totalMinor);
  });
});

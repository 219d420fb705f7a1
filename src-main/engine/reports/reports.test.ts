import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFixture } from '../inventory/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

/**
 * KPI formulas against a small hand-computed scenario, run through the real commands on
 * SQLite and PostgreSQL:
 *  - WH1 receives A 10, B 5, C 90 (cost 4.00 each; list 10.00), one more receipt promised
 *    yesterday (late);
 *  - D1 (key account, North, portal, promised tomorrow, ordered 5 h ago): A 4, B 8 → ships
 *    A 4, B 5 (backorder B 3); B 3 arrives and the backorder ships;
 *  - D2 (regular, South, rep, promised yesterday, ordered 3 h ago): A 6, ships in full (late);
 *  - a count of C finds 88 of 90.
 * Order lines: D1/A 4 of 4 first, D1/B 5 of 8 first (backordered), D2/A 6 of 6.
 */
describe.each(DIALECTS)('reports KPIs (%s)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let whId: string;
  let d1Number: string;
  let d2Number: string;
  const today = new Date().toISOString().slice(0, 10);
  const filter = () => ({ from: today, to: today });
  const kpi = async (k: string, extra: Record<string, unknown> = {}) => t.engine.run('reports.kpi', { kpi: k as never, filter: filter(), ...extra }, as);

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    const inv = await inventoryFixture(t.engine, as);
    whId = inv.wh.id;
    const [a, b, c] = [await inv.product(), await inv.product(), await inv.product()];
    await inv.receive(a.id, 10);
    await inv.receive(b.id, 5);
    await inv.receive(c.id, 90);
    const key = await t.engine.run('partners.customer.create', { name: 'Key Co', region: 'North', customerClass: 'key_account', paymentTermsDays: 30 }, as);
    const reg = await t.engine.run('partners.customer.create', { name: 'Regular Co', region: 'South', customerClass: 'regular', paymentTermsDays: 30 }, as);
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    const daysFromNow = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

    const d1 = await t.engine.run(
      'inventory.transfer.create',
      { kind: 'delivery', warehouseId: whId, partnerId: key.id, origin: 'SO-1', channelCode: 'portal', promisedDate: daysFromNow(1), orderDate: hoursAgo(5), lines: [{ productId: a.id, quantity: 4 }, { productId: b.id, quantity: 8 }] },
      as,
    );
    d1Number = d1.number;
    const v1 = await t.engine.run('inventory.transfer.validate', { id: d1.id, lines: d1.lines.map((l) => ({ lineId: l.id, quantity: l.productId === a.id ? 4 : 5 })), createBackorder: true }, as);
    const d2 = await t.engine.run(
      'inventory.transfer.create',
      { kind: 'delivery', warehouseId: whId, partnerId: reg.id, origin: 'SO-2', channelCode: 'rep', promisedDate: daysFromNow(-1), orderDate: hoursAgo(3), lines: [{ productId: a.id, quantity: 6 }] },
      as,
    );
    d2Number = d2.number;
    await t.engine.run('inventory.transfer.validate', { id: d2.id, lines: [{ lineId: d2.lines[0]!.id, quantity: 6 }] }, as);

    // First refresh: D1's backorder still waits.
    await t.engine.run('reports.refresh', {}, as);
    const early = await kpi('otif');
    expect([early.numerator, early.denominator]).toEqual([0, 1]); // only D2 is delivered (late)

    // A receipt promised yesterday arrives today (late), then the backorder ships.
    const late = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: whId, promisedDate: daysFromNow(-1), lines: [{ productId: b.id, quantity: 3, unitCostMinor: 400 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: late.id, lines: [{ lineId: late.lines[0]!.id, quantity: 3 }] }, as);
    const bo = await t.engine.run('inventory.transfer.get', { id: v1.backorder!.id }, as);
    await t.engine.run('inventory.transfer.validate', { id: bo.id, lines: bo.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);

    // A count of C: 88 found of 90.
    const count = await t.engine.run('inventory.count.create', { locationId: inv.stock.id, productIds: [c.id] }, as);
    await t.engine.run('inventory.count.record', { id: count.id, lines: count.lines.map((l) => ({ lineId: l.id, countedQuantity: 88 })) }, as);
    const submitted = await t.engine.run('inventory.count.submit', { id: count.id }, as);
    if (submitted.state === 'awaiting_approval') await t.engine.run('inventory.count.approve', { id: count.id }, as);

    const r = await t.engine.run('reports.refresh', {}, as);
    expect(r.shipments).toBe(1); // only the backorder is new since the first refresh
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
  });

  it('fill rate (lines) = lines complete on the first shipment ÷ order lines shipped: 2 of 3', async () => {
    const r = await kpi('fill_rate_lines');
    expect([r.numerator, r.denominator]).toEqual([2, 3]);
    expect(r.value).toBeCloseTo(2 / 3, 10);
  });

  it('fill rate (units) = units on the first shipment ÷ units ordered: 15 of 18', async () => {
    const r = await kpi('fill_rate_units');
    expect([r.numerator, r.denominator]).toEqual([15, 18]);
  });

  it('backorder rate = 1 of 3 lines; split by channel and customer class', async () => {
    const r = await kpi('backorder_rate', { groupBy: 'channel' });
    expect(r.value).toBeCloseTo(1 / 3, 10);
    expect(r.rows.map((x) => [x.key, x.numerator, x.denominator])).toEqual([
      ['portal', 1, 2],
      ['rep', 0, 1],
    ]);
    const byClass = await kpi('fill_rate_lines', { groupBy: 'customerClass' });
    expect(byClass.rows.map((x) => [x.key, x.numerator, x.denominator])).toEqual([
      ['key_account', 1, 2],
      ['regular', 1, 1],
    ]);
    const north = await kpi('fill_rate_units', { filter: { ...filter(), region: 'South' } });
    expect([north.numerator, north.denominator]).toEqual([6, 6]);
  });

  it('OTIF = orders delivered complete by the promised date ÷ orders delivered: D1 yes, D2 late', async () => {
    const r = await kpi('otif', { groupBy: 'warehouse' });
    expect([r.numerator, r.denominator]).toEqual([1, 2]);
    expect(r.rows[0]!.label).toBe('WH1');
    const failing = await t.engine.run('reports.drill', { kpi: 'otif', filter: filter() }, as);
    expect(failing.rows.map((x) => x.number)).toEqual([d2Number]);
    expect(failing.rows[0]!.detail).toContain('(late)');
  });

  it('order cycle time: median and p90 hours from order to first shipment', async () => {
    const r = await kpi('order_cycle_time');
    expect(r.unit).toBe('hours');
    expect(r.value!).toBeGreaterThan(2.9);
    expect(r.value!).toBeLessThan(3.2);
    expect(r.p90!).toBeGreaterThan(4.9);
    expect(r.p90!).toBeLessThan(5.2);
  });

  it('channel margin = (revenue − COGS − fees) ÷ revenue: 18 units at 10.00 list, cost 4.00 → 60 %', async () => {
    const r = await kpi('channel_margin', { groupBy: 'channel' });
    expect([r.numerator, r.denominator]).toEqual([18_000 - 7_200, 18_000]);
    expect(r.rows.find((x) => x.key === 'rep')!.value).toBeCloseTo(0.6, 10);
  });

  it('return rate = units returned ÷ units shipped: nothing came back of 18', async () => {
    const r = await kpi('return_rate');
    expect([r.numerator, r.denominator]).toEqual([0, 18]);
  });

  it('vendor on-time rate = receipt lines by the promised date ÷ receipt lines: 3 of 4 (the return is not a vendor receipt)', async () => {
    const r = await kpi('vendor_on_time');
    expect([r.numerator, r.denominator]).toEqual([3, 4]);
    const late = await t.engine.run('reports.drill', { kpi: 'vendor_on_time', filter: filter() }, as);
    expect(late.total).toBe(1);
  });

  it('inventory accuracy = count lines within tolerance ÷ count lines: 88 of 90 is off at 2 %, within at 5 %', async () => {
    expect((await kpi('inventory_accuracy')).numerator).toBe(0);
    const wide = await kpi('inventory_accuracy', { tolerancePct: 5 });
    expect([wide.numerator, wide.denominator]).toEqual([1, 1]);
  });

  it('days of supply = units on hand ÷ average daily demand (90 days): 88 ÷ (18 ÷ 90)', async () => {
    const r = await kpi('days_of_supply');
    expect(r.value).toBeCloseTo(88 / (18 / 90), 6);
  });

  it('inventory turns = 12-month COGS ÷ average stock value (stock held for today only)', async () => {
    const r = await kpi('inventory_turns');
    // On hand at cost now: 88 C × 4.00; it arrived today, so the year's average is 1/365 of it.
    const avg = (88 * 400) / 365;
    expect(r.numerator).toBe(7_200);
    expect(r.value).toBeCloseTo(7_200 / avg, 3);
  });

  it('stockout frequency = product-days short of demand ÷ product-days stocked', async () => {
    const r = await kpi('stockout_frequency', { groupBy: 'warehouse' });
    expect([r.numerator, r.denominator]).toEqual([1, 3]);
  });

  it('drill-down lists the documents behind a figure', async () => {
    const short = await t.engine.run('reports.drill', { kpi: 'fill_rate_lines', filter: filter() }, as);
    expect(short.total).toBe(1);
    expect(short.rows[0]).toMatchObject({ kind: 'delivery', number: d1Number, origin: 'SO-1', party: 'Key Co', ok: false });
    expect(short.rows[0]!.detail).toBe('ordered 8, first shipment 5, shipped 8');
    const all = await t.engine.run('reports.drill', { kpi: 'fill_rate_lines', filter: filter(), failingOnly: false }, as);
    expect(all.total).toBe(3);
  });

  it('exports a KPI as XLSX and PDF', async () => {
    const xlsx = await t.engine.run('reports.export', { kpi: 'backorder_rate', filter: filter(), groupBy: 'channel', format: 'xlsx' }, as);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(xlsx.base64, 'base64') as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const values = ws.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(values).toContainEqual(['portal', 0.5, 1, 2]);
    expect(values).toContainEqual(['Total', 1 / 3, 1, 3]);
    const pdf = await t.engine.run('reports.export', { kpi: 'backorder_rate', filter: filter(), format: 'pdf' }, as);
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.filename).toBe(`backorder_rate-${today}-${today}.pdf`);
  });

  it('refuses bad filters with a clear message and field', async () => {
    await expect(t.engine.run('reports.kpi', { kpi: 'otif', filter: { from: '2026-02-30', to: today } }, as)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(t.engine.run('reports.kpi', { kpi: 'otif', filter: { from: today, to: '2020-01-01' } }, as)).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { fields: [{ path: 'filter.from', message: 'Must be on or before the end date' }] },
    });
    // Return rate is cut by region now (report_flow_day); inventory accuracy has no customers.
    const byRegion = await kpi('return_rate', { groupBy: 'region' });
    expect(byRegion.rows.map((x) => [x.key, x.numerator, x.denominator])).toEqual([
      ['North', 0, 12],
      ['South', 0, 6],
    ]);
    await expect(t.engine.run('reports.kpi', { kpi: 'inventory_accuracy', filter: filter(), groupBy: 'region' }, as)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('Inventory accuracy cannot be split by region'),
    });
  });

  it('a rebuild from scratch gives the same figures as the incremental refresh', async () => {
    const before = await t.engine.run('reports.kpis', { kpis: ['fill_rate_units', 'otif', 'return_rate', 'channel_margin'], filter: filter() }, as);
    await t.engine.run('reports.refresh', { rebuild: true }, as);
    const after = await t.engine.run('reports.kpis', { kpis: ['fill_rate_units', 'otif', 'return_rate', 'channel_margin'], filter: filter() }, as);
    expect(after).toEqual(before);
  });
});

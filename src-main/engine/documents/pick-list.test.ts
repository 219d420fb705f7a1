import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFixture } from '../inventory/fixtures';
import type { QueryContext } from '../platform/context';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { pickListData } from './handlers';
import { type PickListData, renderPickListPdf } from './pick-list-pdf';

/** The page count a PDF declares in its page tree. */
function pageCount(pdf: Buffer): number {
  const counts = [...pdf.toString('latin1').matchAll(/\/Type \/Pages\b[^>]*?\/Count (\d+)|\/Count (\d+)[^>]*?\/Type \/Pages\b/g)].map((m) => Number(m[1] ?? m[2]));
  expect(counts.length).toBeGreaterThan(0);
  return Math.max(...counts);
}

/** The text drawn by an uncompressed PDF: pdfkit writes each run as hex strings inside a TJ array. */
function textOf(pdf: Buffer): string[] {
  const body = pdf.toString('latin1');
  return [...body.matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)].map((m) =>
    [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''),
  );
}

function ean13(body: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

describe.each(DIALECTS)('documents.pickList on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let waveId = '';
  let waveNumber = '';

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    const f = await inventoryFixture(t.engine, as, { code: 'WH1', deliverySteps: 3 });
    const binB = await t.engine.run('inventory.location.create', { parentId: f.stock.id, name: 'B-02-1' }, as);
    const binA = await t.engine.run('inventory.location.create', { parentId: f.stock.id, name: 'A-01-1' }, as);
    const drill = await t.engine.run('catalog.product.create', { sku: 'DRILL-18V', name: 'Cordless drill 18 V', uomId: f.each.id, barcode: ean13('590123412345'), listPriceMinor: 9900, costMinor: 5000 }, as);
    const saw = await t.engine.run('catalog.product.create', { sku: 'SAW-CIRC', name: 'Circular saw 1400 W', uomId: f.each.id, barcode: null, listPriceMinor: 12900, costMinor: 7000 }, as);
    for (const [p, bin] of [[drill, binB], [saw, binA]] as const) {
      const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, toLocationId: bin.id, lines: [{ productId: p.id, quantity: 20, unitCostMinor: 100 }] }, as);
      await t.engine.run('inventory.transfer.validate', { id: r.id }, as);
    }
    await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, carrier: 'UPS', carrierCutoff: '2026-12-01T15:00:00Z', lines: [{ productId: drill.id, quantity: 3 }, { productId: saw.id, quantity: 1 }] }, as);
    await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, carrier: 'UPS', carrierCutoff: '2026-12-01T12:00:00Z', lines: [{ productId: drill.id, quantity: 2 }] }, as);
    const wave = await t.engine.run('inventory.wave.build', { warehouseId: f.wh.id, carrier: 'UPS' }, as);
    waveId = wave.id;
    waveNumber = wave.number;
  });
  afterAll(async () => t.dispose());

  it('returns a PDF named after the wave, as base64', async () => {
    const doc = await t.engine.run('documents.pickList', { waveId }, as);
    expect(doc.contentType).toBe('application/pdf');
    expect(doc.filename).toBe(`pick-list-${waveNumber}.pdf`);
    const bytes = Buffer.from(doc.base64, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.subarray(-6).toString('latin1')).toMatch(/%%EOF/);
    expect(pageCount(bytes)).toBe(1);
  });

  it('shows company, branch, wave, carrier and the rows in walking order, with page numbers', async () => {
    const ctx = { db: t.database.db, install: { clientId: 'x', branchId: null, appVersion: 'test' }, actor: { username: 'admin' } } as unknown as QueryContext;
    const data = await pickListData(ctx, waveId, '2026-11-30T08:15:00.000Z');
    const pdf = await renderPickListPdf(data, { compress: false });
    const text = textOf(pdf);
    const all = text.join('\n');
    expect(all).toContain(waveNumber);
    expect(all).toContain('Test Co');
    expect(all).toContain('Branch B01 Test Branch');
    expect(text).toContain('UPS');
    expect(text).toContain('Page 1 of 1');
    expect(text).toContain(ean13('590123412345'));
    // A-01-1 (the saw) is walked before B-02-1 (the drill: 3 + 2 from two transfers in one row).
    const a = text.indexOf('WH1/Stock/A-01-1');
    const b = text.indexOf('WH1/Stock/B-02-1');
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    expect(text.slice(b)).toContain('5');
    // The drill row names both picks it serves, the saw row its one pick.
    expect(text.filter((s) => /^B01-WH1-PICK-\d{4}-/.test(s))).toHaveLength(3);
  });

  it('breaks a long pick list over pages, repeating the header, numbering every page', async () => {
    const rows: PickListData['rows'] = Array.from({ length: 120 }, (_, i) => ({
      locationPath: `WH1/Stock/${String.fromCharCode(65 + Math.floor(i / 30))}-${String(i % 30).padStart(2, '0')}-1`,
      sku: `SKU-${1000 + i}`,
      name: i % 7 === 0 ? 'A product with a rather long name that needs two lines in the product column of the table' : `Product ${i}`,
      barcode: i % 3 === 0 ? null : ean13(String(200000000000 + i)),
      lotName: i % 11 === 0 ? `LOT-${i}` : null,
      quantity: (i % 9) + 1,
      transferNumbers: [`B01-WH1-PICK-2026-${String(i).padStart(5, '0')}`],
    }));
    const data: PickListData = { companyName: 'Northwind', branchCode: 'B01', branchName: 'Head Office', warehouseCode: 'WH1', warehouseName: 'Central', waveNumber: 'B01-WH1-WAVE-2026-00042', waveState: 'open', carrier: 'DHL', zone: null, cutoffBefore: null, transferNumbers: rows.map((r) => r.transferNumbers[0]!), rows, printedAt: '2026-11-30T08:15:00.000Z', printedBy: 'wanda' };
    const pdf = await renderPickListPdf(data, { compress: false });
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = textOf(pdf);
    for (let p = 1; p <= pages; p++) expect(text).toContain(`Page ${p} of ${pages}`);
    expect(text.filter((s) => s === 'LOCATION')).toHaveLength(pages);
    expect(text).toContain('SKU-1119');
    // Compressed output is smaller and still declares the same pages.
    const compressed = await renderPickListPdf(data);
    expect(compressed.length).toBeLessThan(pdf.length);
    expect(pageCount(compressed)).toBe(pages);
  });
});

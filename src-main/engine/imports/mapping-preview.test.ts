import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

describe.each(DIALECTS)('imports.mapping.preview on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
  });
  afterAll(async () => t.dispose());

  it("shows a sample's headers and first rows, and which column the channel's mapping takes for each field", async () => {
    await t.engine.run('imports.mapping.set', { channelCode: 'marketplace', fields: { orderId: 'Order No', sku: 'Item', quantity: 'Qty' }, delimiter: ';' }, as);
    const content = 'Order No;Item;Qty;Buyer mail\nA-1;SKU-1;2;a@x.test\nA-1;SKU-2;1;a@x.test\n';
    const p = await t.engine.run('imports.mapping.preview', { channelCode: 'marketplace', fileName: 'sample.csv', content }, as);
    expect(p).toEqual({ headers: ['Order No', 'Item', 'Qty', 'Buyer mail'], rows: [['A-1', 'SKU-1', '2', 'a@x.test'], ['A-1', 'SKU-2', '1', 'a@x.test']], matched: { orderId: 'Order No', sku: 'Item', quantity: 'Qty' } });
    const empty = await t.engine.run('imports.mapping.preview', { channelCode: 'marketplace', fileName: 'empty.csv', content: '' }, as).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(DomainError);
    expect((empty as DomainError).message).toBe('empty.csv has no header row to map');
  });
});

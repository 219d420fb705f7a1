import type { Engine } from '../engine';

/** Test scaffolding: a warehouse, a unit and products made through the real commands. */
export async function inventoryFixture(engine: Engine, as: { userId: string }, options: { receptionSteps?: number; deliverySteps?: number; code?: string; crossDock?: boolean } = {}) {
  const uoms = await engine.run('catalog.uom.list', {}, as);
  const each = uoms.uoms.find((u) => u.code === 'EA') ?? (await engine.run('catalog.uom.create', { code: 'EA', name: 'Each' }, as));
  const wh = await engine.run('inventory.warehouse.create', { code: options.code ?? 'WH1', name: 'Main', region: 'North', receptionSteps: options.receptionSteps ?? 1, deliverySteps: options.deliverySteps ?? 1, crossDock: options.crossDock ?? false }, as);
  const locations = (await engine.run('inventory.location.list', { warehouseId: wh.id }, as)).rows;
  const stock = locations.find((l) => l.zone === 'stock' && l.path === `${wh.code}/Stock`)!;
  let n = 0;
  const product = async (extra: { tracking?: 'none' | 'lot' | 'serial'; cost?: number } = {}) =>
    engine.run('catalog.product.create', { sku: `P-${wh.code}-${++n}-${Math.floor(Math.random() * 1e6)}`, name: `Product ${n}`, uomId: each.id, listPriceMinor: 1000, costMinor: extra.cost ?? 400, tracking: extra.tracking ?? 'none' }, as);
  const receive = async (productId: string, quantity: number, unitCostMinor = 400, lines?: { lotName?: string; serials?: string[] }) => {
    const t = await engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId, quantity, unitCostMinor }] }, as);
    const v = await engine.run('inventory.transfer.validate', { id: t.id, lines: [{ lineId: t.lines[0]!.id, quantity, ...lines }] }, as);
    return v.transfer;
  };
  return { wh, each, stock, locations, product, receive };
}

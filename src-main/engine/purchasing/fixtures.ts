import type { InputOf } from '../../../src-shared/contract/index';
import type { Engine } from '../engine';
import { inventoryFixture } from '../inventory/fixtures';

/** Test scaffolding for procure to pay: a warehouse, a vendor with prices, products; all through the real commands. */
export async function purchasingFixture(engine: Engine, as: { userId: string }, options: { code?: string; receptionSteps?: number } = {}) {
  const inv = await inventoryFixture(engine, as, { code: options.code ?? 'WH1', receptionSteps: options.receptionSteps ?? 1 });
  let n = 0;
  const vendor = async (extra: Partial<InputOf<'purchasing.vendor.create'>> = {}) =>
    engine.run('purchasing.vendor.create', { name: `Vendor ${++n} ${Math.floor(Math.random() * 1e6)}`, leadTimeDays: 5, contacts: [{ name: 'Sam Seller', email: 'sam@vendor.test' }], ...extra }, as);
  /** A product with a vendor price (4.00 unless given) from quantity 1. */
  const bought = async (vendorId: string, priceMinor = 400, extra: { categoryId?: string } = {}) => {
    const p = await inv.product();
    if (extra.categoryId) await engine.run('catalog.product.update', { id: p.id, version: p.version, categoryId: extra.categoryId }, as);
    await engine.run('purchasing.price.set', { vendorId, productId: p.id, priceMinor }, as);
    return p;
  };
  /** Creates, submits (and approves when needed) and sends an order. */
  const sentOrder = async (input: InputOf<'purchasing.po.create'>) => {
    const po = await engine.run('purchasing.po.create', input, as);
    let s = await engine.run('purchasing.po.submit', { id: po.id }, as);
    while (s.state === 'to_approve') s = await engine.run('purchasing.po.approve', { id: po.id }, as);
    return engine.run('purchasing.po.send', { id: po.id }, as);
  };
  return { ...inv, vendor, bought, sentOrder };
}

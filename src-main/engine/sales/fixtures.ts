import type { InputOf } from '../../../src-shared/contract/index';
import { CHANNEL_CODES } from '../../../src-shared/contract/pricing';
import type { Engine } from '../engine';
import { inventoryFixture } from '../inventory/fixtures';

/**
 * Test scaffolding for order to cash: a warehouse (region North), every channel with its
 * default policy, customers and stocked products, all made through the real commands.
 */
export async function salesFixture(engine: Engine, as: { userId: string }, options: { code?: string; deliverySteps?: number; region?: string } = {}) {
  const inv = await inventoryFixture(engine, as, { code: options.code ?? 'WH1', deliverySteps: options.deliverySteps ?? 1 });
  if (options.region && options.region !== 'North') throw new Error('the inventory fixture makes North warehouses');
  const channels = await engine.run('sales.channel.list', {}, as);
  for (const code of CHANNEL_CODES) if (!channels.rows.some((c) => c.code === code)) await engine.run('sales.channel.setPolicy', { code }, as);
  let n = 0;
  const customer = async (extra: Partial<InputOf<'partners.customer.create'>> = {}) =>
    engine.run('partners.customer.create', { name: `Customer ${++n} ${Math.floor(Math.random() * 1e6)}`, region: 'North', customerClass: 'regular', paymentTermsDays: 30, ...extra }, as);
  /** A product (list 10.00, cost 4.00 unless given) with `quantity` received into stock. */
  const stocked = async (quantity: number, extra: { cost?: number } = {}) => {
    const p = await inv.product(extra);
    if (quantity > 0) await inv.receive(p.id, quantity, extra.cost ?? 400);
    return p;
  };
  /**
   * Validates the order's ready transfers step by step (pick, pack, ship, backorders too)
   * until none is ready: only the given kinds of step, each line with the given quantity per
   * product (what is reserved when omitted); then refreshes the order.
   */
  const ship = async (orderId: string, o: { quantities?: Record<string, number>; createBackorder?: boolean; kinds?: string[] } = {}) => {
    const order = await engine.run('sales.order.get', { id: orderId }, as);
    const stepRank: Record<string, number> = { pick: 0, pack: 1, delivery: 2 };
    for (let pass = 0; pass < 20; pass++) {
      const listed = await engine.run('inventory.transfer.list', { query: order.number, limit: 100 }, as);
      const ready = listed.rows
        .filter((r) => r.origin === order.number && r.state === 'ready' && (!o.kinds || o.kinds.includes(r.kind)))
        .sort((a, b) => (stepRank[a.kind] ?? 9) - (stepRank[b.kind] ?? 9));
      if (ready.length === 0) break;
      const t = await engine.run('inventory.transfer.get', { id: ready[0]!.id }, as);
      const q = o.quantities;
      const lines = q ? t.lines.filter((l) => l.state !== 'done' && l.state !== 'cancelled').map((l) => ({ lineId: l.id, quantity: Math.min(q[l.productId] ?? 0, l.quantity - l.quantityDone, l.reserved) })) : undefined;
      await engine.run('inventory.transfer.validate', { id: t.id, lines, createBackorder: o.createBackorder ?? true }, as);
    }
    return engine.run('sales.order.refresh', { id: orderId }, as);
  };
  return { ...inv, customer, stocked, ship };
}

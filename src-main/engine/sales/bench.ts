import type { OutputOf } from '../../../src-shared/contract/index';
import { CHANNEL_CODES } from '../../../src-shared/contract/pricing';
import type { Engine } from '../engine';

/**
 * Benchmark hook: confirming an order end to end. `prepareOrderBench` builds (through the
 * real commands) a warehouse, `lines` stocked products, a customer with a credit limit, a
 * pricelist with quantity breaks and a contract price, and the channels; then
 *  - `createAndConfirm()` runs `sales.order.create` with `confirm: true`: pricing of every
 *    line, approval rules, credit control, routing, the delivery flow with its reservations,
 *    the outbox mutation and the audit entry, in one durable transaction;
 *  - `draft()` + `confirm(id)` time `sales.order.confirm` of a priced draft alone.
 * Stock is received once for many thousands of orders, so runs do not run dry.
 */
export async function prepareOrderBench(engine: Engine, as: { userId: string }, options: { lines?: number; tag?: string } = {}) {
  const lines = options.lines ?? 20;
  const tag = (options.tag ?? Math.floor(Math.random() * 1e9).toString(36)).toUpperCase();
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await engine.call(method, input, as);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value as T;
  };
  const uoms = await call<OutputOf<'catalog.uom.list'>>('catalog.uom.list', {});
  const each = uoms.uoms.find((u) => u.code === 'EA') ?? (await call<{ id: string }>('catalog.uom.create', { code: 'EA', name: 'Each' }));
  const wh = await call<{ id: string }>('inventory.warehouse.create', { code: `B${tag}`.slice(0, 10), name: `Bench ${tag}`, region: `Bench-${tag}`, receptionSteps: 1, deliverySteps: 1 });
  const channels = await call<OutputOf<'sales.channel.list'>>('sales.channel.list', {});
  for (const code of CHANNEL_CODES) if (!channels.rows.some((c) => c.code === code)) await call('sales.channel.setPolicy', { code });
  const products: string[] = [];
  for (let i = 0; i < lines; i++) {
    const p = await call<{ id: string }>('catalog.product.create', { sku: `OB-${tag}-${i}`, name: `Order bench ${i}`, uomId: each.id, listPriceMinor: 1000 + i, costMinor: 400 });
    products.push(p.id);
  }
  const receipt = await call<{ id: string }>('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: products.map((productId) => ({ productId, quantity: 1_000_000, unitCostMinor: 400 })) });
  await call('inventory.transfer.validate', { id: receipt.id });
  const pricelist = await call<{ id: string }>('pricing.pricelist.create', { code: `PL-${tag}`, name: `Bench ${tag}`, customerClass: 'regular' });
  const customer = await call<{ id: string }>('partners.customer.create', { name: `Bench customer ${tag}`, region: `Bench-${tag}`, creditLimitMinor: 9_000_000_000_000, pricelistId: pricelist.id });
  await call('pricing.rule.create', { pricelistId: pricelist.id, method: 'list_discount', percentBp: 500, minQuantity: 2 });
  await call('pricing.rule.create', { pricelistId: pricelist.id, productId: products[0], partnerId: customer.id, method: 'fixed', priceMinor: 900 });
  const input = (confirm: boolean) => ({ customerId: customer.id, channelCode: 'rep', lines: products.map((productId, i) => ({ productId, quantity: 1 + (i % 3) })), confirm });
  return {
    warehouseId: wh.id,
    customerId: customer.id,
    productIds: products,
    async createAndConfirm(): Promise<OutputOf<'sales.order.create'>> {
      return call('sales.order.create', input(true));
    },
    async draft(): Promise<string> {
      return (await call<{ id: string }>('sales.order.create', input(false))).id;
    },
    async confirm(id: string): Promise<OutputOf<'sales.order.confirm'>> {
      return call('sales.order.confirm', { id });
    },
  };
}

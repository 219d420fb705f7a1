import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

/**
 * The customer's shipment notice of a drop-ship delivery carries the vendor's tracking number
 * (and carrier), as a warehouse delivery's notice carries the delivery's number: one notice per
 * shipment, never a second one with the delivery number when the order is refreshed.
 */
describe.each(DIALECTS)('drop-ship shipment notice on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let vendorId: string;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    vendorId = (await t.engine.run('purchasing.vendor.create', { name: 'Blind Vendor', leadTimeDays: 3 }, as)).id;
  });
  afterAll(async () => t.dispose());

  const shipments = async (orderId: string) =>
    (await t.engine.run('notifications.list', { orderId, limit: 50 }, as)).rows.filter((n) => n.kind === 'shipment').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

  it("queues one shipment notice per vendor shipment, with the vendor's tracking number and carrier", async () => {
    const customer = await f.customer({ email: `drop-${dialect}@example.com` });
    const stocked = await f.stocked(10);
    const direct = await f.stocked(0);
    await t.engine.run('purchasing.price.set', { vendorId, productId: direct.id, priceMinor: 600 }, as);
    const order = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: stocked.id, quantity: 2 }, { productId: direct.id, quantity: 5 }] }, as);
    await t.engine.run('sales.dropship.mark', { orderId: order.id, lineId: order.lines.find((l) => l.productId === direct.id)!.id, dropShip: true }, as);
    await t.engine.run('sales.order.confirm', { id: order.id }, as);

    // The warehouse ships its own line: the notice gives the delivery's number (unchanged behaviour).
    const dsTransfer = (await t.database.db.selectFrom('dropship_line').select('transfer_id').where('sales_order_id', '=', order.id).executeTakeFirstOrThrow()).transfer_id!;
    const ownDelivery = await t.database.db.selectFrom('transfer').select(['id', 'number']).where('origin', '=', order.number).where('kind', '=', 'delivery').where('id', '!=', dsTransfer).executeTakeFirstOrThrow();
    await t.engine.run('inventory.transfer.validate', { id: ownDelivery.id, createBackorder: true }, as);
    await t.engine.run('sales.order.refresh', { id: order.id }, as);
    const own = await shipments(order.id);
    expect(own).toHaveLength(1);
    expect(own[0]!.body).toContain(`Tracking number: ${ownDelivery.number}.`);
    expect(own[0]!.toAddress).toBe(`drop-${dialect}@example.com`);

    const [ds] = (await t.engine.run('sales.dropship.list', { orderId: order.id }, as)).lines;
    let po = await t.engine.run('purchasing.po.submit', { id: ds!.purchaseOrderId! }, as);
    while (po.state === 'to_approve') po = await t.engine.run('purchasing.po.approve', { id: po.id }, as);
    po = await t.engine.run('purchasing.po.send', { id: po.id }, as);

    await t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: '1Z999AA10123456784', carrier: 'UPS', lines: [{ lineId: po.lines[0]!.id, quantity: 3 }] }, as);
    let notices = await shipments(order.id);
    expect(notices).toHaveLength(2);
    expect(notices[1]!.body).toContain('is on its way with UPS. Tracking number: 1Z999AA10123456784.');
    expect(notices[1]!.toAddress).toBe(`drop-${dialect}@example.com`);

    // The rest, without a carrier: the vendor is not named to the customer.
    await t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'VT-2' }, as);
    notices = await shipments(order.id);
    expect(notices).toHaveLength(3);
    expect(notices[2]!.body).toContain("is on its way with our supplier's delivery. Tracking number: VT-2.");
    expect(notices.map((n) => n.body).join('\n')).not.toContain('Blind Vendor');

    // Refreshing the order queues nothing more: no notice with the drop-ship delivery's own number.
    await t.engine.run('sales.order.refresh', { id: order.id }, as);
    expect(await shipments(order.id)).toHaveLength(3);
    const dsDeliveries = await t.database.db.selectFrom('transfer').select('number').where('origin', '=', order.number).where('kind', '=', 'delivery').where('carrier', 'in', ['UPS', 'Vendor']).execute();
    expect(dsDeliveries).toHaveLength(2);
    for (const d of dsDeliveries) expect(notices.some((n) => n.body.includes(d.number))).toBe(false);
  }, 60_000);

  it('a refused shipment confirmation queues no notice', async () => {
    const customer = await f.customer({ email: `refused-${dialect}@example.com` });
    const direct = await f.stocked(0);
    await t.engine.run('purchasing.price.set', { vendorId, productId: direct.id, priceMinor: 600 }, as);
    const order = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: direct.id, quantity: 2 }] }, as);
    await t.engine.run('sales.dropship.mark', { orderId: order.id, lineId: order.lines[0]!.id, dropShip: true }, as);
    await t.engine.run('sales.order.confirm', { id: order.id }, as);
    const [ds] = (await t.engine.run('sales.dropship.list', { orderId: order.id }, as)).lines;
    let po = await t.engine.run('purchasing.po.submit', { id: ds!.purchaseOrderId! }, as);
    while (po.state === 'to_approve') po = await t.engine.run('purchasing.po.approve', { id: po.id }, as);
    po = await t.engine.run('purchasing.po.send', { id: po.id }, as);
    await expect(t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'VT-9', lines: [{ lineId: po.lines[0]!.id, quantity: 3 }] }, as)).rejects.toThrow(/can ship at most 2 more/);
    expect(await shipments(order.id)).toHaveLength(0);
  }, 60_000);
});

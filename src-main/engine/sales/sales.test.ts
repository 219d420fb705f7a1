import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { salesFixture } from './fixtures';

describe.each(DIALECTS)('order to cash on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let clerk: { userId: string };
  let finance: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    clerk = { userId: (await t.engine.run('users.create', { username: 'clerk', displayName: 'Carl', password: 'clerk-password', roles: ['clerk'] }, as)).id };
    finance = { userId: (await t.engine.run('users.create', { username: 'finance', displayName: 'Fiona', password: 'finance-password', roles: ['finance'] }, as)).id };
  });
  afterAll(async () => t.dispose());

  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      if (e instanceof DomainError) return e.code;
      throw e;
    }
  };
  const inventoryClean = async () => expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);
  const audit = async (method: string) => (await t.engine.run('system.audit.list', { method, limit: 50 }, as)).rows;

  it('prices lines from the order: contract price, breaks and validity, and says why', async () => {
    const p = await f.stocked(50);
    const key = await f.customer({ customerClass: 'key_account', creditLimitMinor: null });
    const pl = await t.engine.run('pricing.pricelist.create', { code: `KEY-${dialect}`, name: 'Key accounts', customerClass: 'key_account' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: pl.id, method: 'list_discount', percentBp: 1000 }, as);
    const brk = await t.engine.run('pricing.rule.create', { pricelistId: pl.id, productId: p.id, method: 'list_discount', percentBp: 1500, minQuantity: 10 }, as);
    const contract = await t.engine.run('pricing.rule.create', { pricelistId: pl.id, productId: p.id, partnerId: key.id, method: 'fixed', priceMinor: 650, minQuantity: 20, label: 'Frame contract 2026' }, as);
    const order = await t.engine.run('sales.order.create', { customerId: key.id, lines: [{ productId: p.id, quantity: 2 }, { productId: p.id, quantity: 12 }, { productId: p.id, quantity: 20 }] }, clerk);
    expect(order.state).toBe('draft');
    expect(order.lines.map((l) => l.unitPriceMinor)).toEqual([900, 850, 650]);
    expect(order.lines[0]!.priceReason).toMatch(/^List price − 10 % on all products, pricelist KEY-/);
    expect(order.lines[1]).toMatchObject({ priceRuleId: brk.id, priceReason: expect.stringMatching(/List price − 15 % on P-.* from 10 units/) });
    expect(order.lines[2]).toMatchObject({ priceRuleId: contract.id, priceReason: expect.stringMatching(/^Frame contract 2026: Contract price for this customer/) });
    expect(order.totalMinor).toBe(2 * 900 + 12 * 850 + 20 * 650);
    // A line in boxes of 12 is ordered in the stock unit, exactly; the price is per stock unit.
    const box = await t.engine.run('catalog.uom.create', { code: `BX${dialect.slice(0, 2).toUpperCase()}`, name: 'Box' }, as);
    await t.engine.run('catalog.uom.addConversion', { productId: p.id, fromUomId: box.id, toUomId: f.each.id, numerator: 12 }, as);
    const boxed = await t.engine.run('sales.order.create', { customerId: key.id, lines: [{ productId: p.id, quantity: 2, uomId: box.id }] }, clerk);
    expect(boxed.lines[0]).toMatchObject({ uomQuantity: 2, uomCode: box.code, quantity: 24, unitPriceMinor: 650, subtotalMinor: 24 * 650 });
    // A manual price names what the pricelist would have given.
    const manual = await t.engine.run('sales.order.update', { id: order.id, version: order.version, lines: [{ productId: p.id, quantity: 2, unitPriceMinor: 800 }] }, clerk);
    expect(manual.lines[0]).toMatchObject({ unitPriceMinor: 800, priceOverridden: true, priceRuleId: null, priceReason: expect.stringMatching(/Manual price by clerk; the pricelist gives 9\.00/) });
  });

  it('a manual discount above the clerk’s limit waits for approval; rejected, edited, confirmed; all audited', async () => {
    const p = await f.stocked(20);
    const c = await f.customer({ creditLimitMinor: 1_000_000 });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 2, discountBp: 1500 }] }, clerk);
    const held = await t.engine.run('sales.order.confirm', { id: order.id }, clerk);
    expect(held.state).toBe('awaiting_approval');
    expect(held.holdReason).toMatch(/discount 15 % is above your limit of 10 %/);
    expect(held.deliveryTransferId).toBeNull();
    const requests = await t.engine.run('sales.approval.list', { orderId: order.id }, as);
    expect(requests.rows).toHaveLength(1);
    const request = requests.rows[0]!;
    expect(request).toMatchObject({ state: 'pending', approverRole: 'admin' });
    const inbox = await t.engine.run('activity.list', { documentId: order.id, state: 'open' }, as);
    expect(inbox.rows).toEqual([expect.objectContaining({ role: 'admin', kind: 'pricing' })]);
    expect(await codeOf(t.engine.run('sales.approval.decide', { id: request.id, decision: 'approve', reason: 'looks fine' }, clerk))).toBe('FORBIDDEN');
    expect(await codeOf(t.engine.run('sales.approval.decide', { id: request.id, decision: 'approve', reason: 'not mine' }, finance))).toBe('FORBIDDEN');
    const rejected = await t.engine.run('sales.approval.decide', { id: request.id, decision: 'reject', reason: 'Too much discount for a regular customer' }, as);
    expect(rejected.state).toBe('draft');
    expect(rejected.holdReason).toMatch(/Rejected by admin: Too much discount/);
    expect((await t.engine.run('activity.list', { documentId: order.id, state: 'open' }, clerk)).rows).toEqual([expect.objectContaining({ role: 'clerk', kind: 'task' })]);
    const edited = await t.engine.run('sales.order.update', { id: order.id, version: rejected.version, lines: [{ productId: p.id, quantity: 2, discountBp: 500 }] }, clerk);
    const confirmed = await t.engine.run('sales.order.confirm', { id: edited.id }, clerk);
    expect(confirmed.state).toBe('confirmed');
    expect((await audit('sales.approval.decide'))[0]!.summary).toMatch(/Rejected order .*discount 15 %.*reason: Too much discount/);

    // An approval rule routed to finance: orders above 100.00 from this customer.
    const rule = await t.engine.run('sales.approvalRule.create', { name: 'Big orders of this customer', kind: 'order_value', thresholdMinor: 100_00, partnerId: c.id, approverRole: 'finance' }, as);
    const big = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 12 }], confirm: true }, clerk);
    expect(big.state).toBe('awaiting_approval');
    const [req] = (await t.engine.run('sales.approval.list', { orderId: big.id }, finance)).rows;
    expect(req).toMatchObject({ approverRole: 'finance', ruleIds: [rule.id], reasons: [expect.stringMatching(/order total USD 120\.00 is above USD 100\.00/)] });
    const approved = await t.engine.run('sales.approval.decide', { id: req!.id, decision: 'approve', reason: 'Customer confirmed by phone' }, finance);
    expect(approved.state).toBe('confirmed');
    expect((await t.engine.run('activity.list', { documentId: big.id, state: 'open' }, as)).rows).toEqual([]);
    expect((await audit('sales.approval.decide'))[0]!.summary).toMatch(/Approved order .*reason: Customer confirmed by phone → confirmed/);
    await t.engine.run('sales.approvalRule.update', { id: rule.id, version: rule.version, active: false }, as);
  });

  it('a price below the minimum margin needs approval; an approver confirming it approves it on the spot', async () => {
    const p = await f.stocked(5);
    const c = await f.customer({ creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 1, unitPriceMinor: 420 }], confirm: true }, clerk);
    expect(order.state).toBe('awaiting_approval');
    expect(order.holdReason).toMatch(/margin 4\.76 % is below the minimum of 10 %/);
    const byAdmin = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 1, unitPriceMinor: 420 }], confirm: true }, as);
    expect(byAdmin.state).toBe('confirmed');
    const [req] = (await t.engine.run('sales.approval.list', { orderId: byAdmin.id }, as)).rows;
    expect(req).toMatchObject({ state: 'approved', decidedBy: 'admin' });
  });

  it('credit control: over the limit holds the order for finance, who releases it with a reason (audited)', async () => {
    const p = await f.stocked(30);
    const c = await f.customer({ creditLimitMinor: 50_00 });
    const first = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 4 }], confirm: true }, clerk);
    expect(first.state).toBe('confirmed');
    const second = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 2 }], confirm: true }, clerk);
    expect(second.state).toBe('credit_hold');
    expect(second.holdReason).toBe('Credit limit USD 50.00 exceeded: open invoices USD 0.00 + open orders USD 40.00 + this order USD 20.00 = USD 60.00');
    expect(second.deliveryTransferId).toBeNull();
    expect((await t.engine.run('activity.list', { role: 'finance', documentId: second.id }, finance)).rows).toEqual([expect.objectContaining({ kind: 'credit_hold', state: 'open' })]);
    expect(await codeOf(t.engine.run('sales.order.releaseCredit', { id: second.id, reason: 'I want it' }, clerk))).toBe('FORBIDDEN');
    const released = await t.engine.run('sales.order.releaseCredit', { id: second.id, reason: 'Payment promised for Friday' }, finance);
    expect(released.state).toBe('confirmed');
    expect(released.lines[0]!.reserved).toBe(2);
    expect((await t.engine.run('activity.list', { role: 'finance', documentId: second.id }, finance)).rows[0]).toMatchObject({ state: 'done', doneBy: 'finance' });
    const [entry] = await audit('sales.order.releaseCredit');
    expect(entry).toMatchObject({ username: 'finance', summary: expect.stringMatching(/Released .* from credit hold \(Credit limit.*\); reason: Payment promised for Friday/) });

    // An invoice overdue beyond the grace days holds the next order, whatever the limit.
    const late = await f.customer({ creditLimitMinor: null, graceDays: 5, paymentTermsDays: 14 });
    const o = await t.engine.run('sales.order.create', { customerId: late.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, clerk);
    await f.ship(o.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: o.id }, finance);
    const dueDaysAgo = async (days: number) =>
      t.database.db.updateTable('invoice').set({ due_date: new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10) }).where('id', '=', inv.id).execute();
    await dueDaysAgo(3);
    expect((await t.engine.run('sales.order.create', { customerId: late.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, clerk)).state).toBe('confirmed');
    await dueDaysAgo(9);
    const held = await t.engine.run('sales.order.create', { customerId: late.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, clerk);
    expect(held.state).toBe('credit_hold');
    expect(held.holdReason).toMatch(new RegExp(`Invoice ${inv.number} \\(USD 10\\.00 open\\) is 9 days overdue, beyond the 5 grace days`));
  });

  it('key accounts take stock ahead of an earlier web store order', async () => {
    const p = await f.stocked(10);
    const consumer = await f.customer({ customerClass: 'consumer', creditLimitMinor: 0 });
    const web = await t.engine.run('sales.order.create', { customerId: consumer.id, channelCode: 'ecommerce', paymentCaptured: true, lines: [{ productId: p.id, quantity: 10 }], confirm: true }, clerk);
    expect(web).toMatchObject({ state: 'confirmed', priorityRank: 4 });
    expect(web.lines[0]!.reserved).toBe(10);
    // Web store orders arrive paid: invoiced and settled at once.
    expect((await t.engine.run('sales.invoice.list', { orderId: web.id }, as)).rows).toEqual([expect.objectContaining({ state: 'paid', openMinor: 0, totalMinor: 100_00 })]);
    const key = await f.customer({ customerClass: 'key_account', creditLimitMinor: null });
    const ka = await t.engine.run('sales.order.create', { customerId: key.id, channelCode: 'rep', lines: [{ productId: p.id, quantity: 6 }], confirm: true }, clerk);
    expect(ka).toMatchObject({ state: 'confirmed', priorityRank: 1 });
    expect(ka.lines[0]!.reserved).toBe(6);
    const after = await t.engine.run('sales.order.get', { id: web.id }, as);
    expect(after.lines[0]!.reserved).toBe(4);
    const webDelivery = await t.engine.run('inventory.transfer.get', { id: web.deliveryTransferId! }, as);
    expect(webDelivery.backorderReason).toMatch(/Stock taken by higher-priority/);
    const kaDelivery = await t.engine.run('inventory.transfer.get', { id: ka.deliveryTransferId! }, as);
    expect(kaDelivery).toMatchObject({ origin: ka.number, channelCode: 'rep', priorityRank: 1, partnerId: key.id });
    expect(Date.parse(kaDelivery.promisedDate!) - Date.parse(ka.confirmedAt!)).toBe(48 * 3_600_000);
    // The web store order is short: the buyer has a task.
    expect((await t.engine.run('sales.order.refresh', { id: web.id }, as)).state).toBe('confirmed');
    const [task] = (await t.engine.run('activity.list', { role: 'buyer', documentId: web.id, state: 'open' }, as)).rows;
    expect(task!.title).toMatch(/waits for stock \(1 of 1 lines short\)/);
    expect(task!.body).toMatch(/: 4 of 10 reserved$/);
    expect(await codeOf(t.engine.run('activity.complete', { id: task!.id }, clerk))).toBe('FORBIDDEN');
    expect(await codeOf(t.engine.run('activity.list', { role: 'buyer' }, clerk))).toBe('FORBIDDEN');
    expect(await t.engine.run('activity.complete', { id: task!.id, note: 'Purchase order sent' }, as)).toMatchObject({ state: 'done', doneBy: 'admin', doneNote: 'Purchase order sent' });
    // A regular customer ordering through the contract channel ranks first too.
    const regular = await f.customer({ creditLimitMinor: null });
    const viaContract = await t.engine.run('sales.order.create', { customerId: regular.id, channelCode: 'contract', lines: [{ productId: p.id, quantity: 1 }] }, clerk);
    expect(viaContract.priorityRank).toBe(1);
    await inventoryClean();
  });

  it('partial delivery → partially delivered → invoice what shipped; the rest later; gapless invoice numbers', async () => {
    const p1 = await f.stocked(3);
    const p2 = await f.stocked(3);
    const c = await f.customer({ creditLimitMinor: null, taxRateBp: 825, paymentTermsDays: 30 });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, customerPo: `PO-${dialect}-1`, lines: [{ productId: p1.id, quantity: 5 }, { productId: p2.id, quantity: 3, discountBp: 250 }], confirm: true }, clerk);
    expect(order.state).toBe('confirmed');
    expect(order.lines.map((l) => [l.quantity, l.reserved])).toEqual([[5, 3], [3, 3]]);
    const partial = await f.ship(order.id);
    expect(partial.state).toBe('partially_delivered');
    expect(partial.lines.map((l) => [l.delivered, l.cancelled])).toEqual([[3, 0], [3, 0]]);
    const inv1 = await t.engine.run('sales.invoice.create', { orderId: order.id }, finance);
    expect(inv1.lines.map((l) => [l.quantity, l.subtotalMinor, l.taxMinor])).toEqual([
      [3, 30_00, 248],
      [3, 2925, 241],
    ]);
    expect(inv1).toMatchObject({ untaxedMinor: 5925, taxMinor: 489, totalMinor: 6414, openMinor: 6414 });
    expect(inv1.dueDate).toBe(new Date(Date.parse(inv1.invoiceDate) + 30 * 86_400_000).toISOString().slice(0, 10));
    expect(await codeOf(t.engine.run('sales.invoice.create', { orderId: order.id }, finance))).toBe('BUSINESS_RULE');
    await f.receive(p1.id, 2);
    const rest = await f.ship(order.id);
    expect(rest.state).toBe('delivered');
    const run = await t.engine.run('sales.invoice.run', { customerId: c.id }, finance);
    expect(run.invoices).toHaveLength(1);
    const done = await t.engine.run('sales.order.get', { id: order.id }, as);
    expect(done.state).toBe('invoiced');
    // The invoices add up to the order, to the cent.
    expect(inv1.totalMinor + run.invoices[0]!.totalMinor).toBe(done.totalMinor);
    expect(done.invoicedMinor).toBe(done.totalMinor);
    const numbers = (await t.database.db.selectFrom('invoice').select('number').orderBy('number').execute()).map((r) => r.number);
    expect(numbers.map((n) => Number(n.slice(-6)))).toEqual(numbers.map((_, i) => i + 1));
    expect(numbers[0]).toMatch(/^B01-INV-\d{4}-000001$/);
    // A second order with the same customer PO is accepted with a warning.
    const again = await t.engine.run('sales.order.create', { customerId: c.id, customerPo: `PO-${dialect}-1`, lines: [{ productId: p1.id, quantity: 1 }] }, clerk);
    expect(again.warnings).toEqual([`Customer PO PO-${dialect}-1 is already on order ${order.number} (invoiced); check this is not a duplicate`]);
    await inventoryClean();
  });

  it('cancels the remainder of a partly delivered order, and a confirmed order outright', async () => {
    const p = await f.stocked(2);
    const c = await f.customer({ creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 5 }], confirm: true }, clerk);
    await f.ship(order.id);
    const cancelled = await t.engine.run('sales.order.cancel', { id: order.id, reason: 'Customer found it elsewhere' }, clerk);
    expect(cancelled.state).toBe('delivered');
    expect(cancelled.lines[0]).toMatchObject({ delivered: 2, cancelled: 3, reserved: 0 });
    expect(cancelled.cancelledMinor).toBe(30_00);
    expect(cancelled.holdReason).toBe('Remainder cancelled by clerk: Customer found it elsewhere');
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, finance);
    expect(inv.totalMinor).toBe(20_00);
    expect((await t.engine.run('sales.order.get', { id: order.id }, as)).state).toBe('invoiced');
    expect(await codeOf(t.engine.run('sales.order.cancel', { id: order.id, reason: 'again please' }, clerk))).toBe('BUSINESS_RULE');

    const q = await f.stocked(4);
    const whole = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: q.id, quantity: 3 }], confirm: true }, clerk);
    const gone = await t.engine.run('sales.order.cancel', { id: whole.id, reason: 'Ordered by mistake' }, clerk);
    expect(gone.state).toBe('cancelled');
    expect((await t.engine.run('inventory.transfer.get', { id: whole.deliveryTransferId! }, as)).state).toBe('cancelled');
    expect((await t.engine.run('inventory.availability', { productId: q.id }, as)).reserved).toBe(0);
    await inventoryClean();
  });

  it('follows a 3-step flow and backorders, and pairs two lines of the same product', async () => {
    const f3 = await salesFixture(t.engine, as, { code: 'WH3', deliverySteps: 3 });
    const p = await f3.stocked(4);
    const c = await f3.customer({ creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 3 }, { productId: p.id, quantity: 3 }], confirm: true }, clerk);
    expect(order.lines.map((l) => l.reserved)).toEqual([3, 1]);
    // Pick what is there; the pick backorder waits for stock.
    const picked = await f3.ship(order.id, { kinds: ['pick'] });
    expect(picked.state).toBe('confirmed');
    expect(picked.lines.map((l) => [l.reserved, l.delivered])).toEqual([[3, 0], [1, 0]]);
    await f3.receive(p.id, 2);
    expect((await f3.ship(order.id, { kinds: ['pick'] })).lines.map((l) => l.reserved)).toEqual([3, 3]);
    const shipped = await f3.ship(order.id);
    expect(shipped.lines.map((l) => [l.delivered, l.cancelled, l.reserved])).toEqual([[3, 0, 0], [3, 0, 0]]);
    expect(shipped.state).toBe('delivered');
    // A short pick without backorder shrinks the later steps: the rest is cancelled.
    const short = await t.engine.run('sales.order.create', { customerId: c.id, warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 2 }], confirm: true }, clerk);
    await f3.receive(p.id, 1);
    const cut = await f3.ship(short.id, { createBackorder: false });
    expect(cut.lines[0]).toMatchObject({ delivered: 1, cancelled: 1 });
    expect(cut.state).toBe('delivered');

    // One step, same product twice, the second line short: the backorder belongs to the second line.
    const q = await f.stocked(5);
    const o2 = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: q.id, quantity: 4 }, { productId: q.id, quantity: 4 }], confirm: true }, clerk);
    const partial = await f.ship(o2.id);
    expect(partial.lines.map((l) => l.delivered)).toEqual([4, 1]);
    await f.receive(q.id, 3);
    const full = await f.ship(o2.id);
    expect(full.lines.map((l) => [l.delivered, l.cancelled])).toEqual([[4, 0], [4, 0]]);
    await inventoryClean();
  });

  it('channel policies: required fields, paid-only release, ship complete, cancel the rest', async () => {
    const p = await f.stocked(2);
    const c = await f.customer({ creditLimitMinor: null });
    const edi = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'edi', lines: [{ productId: p.id, quantity: 1 }] }, clerk);
    const refused = await t.engine.call('sales.order.confirm', { id: edi.id }, clerk);
    expect(refused.ok ? null : refused.error.message).toBe('EDI orders need the customer PO number before they are confirmed');
    const web = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'ecommerce', lines: [{ productId: p.id, quantity: 1 }] }, clerk);
    const unpaid = await t.engine.call('sales.order.confirm', { id: web.id }, clerk);
    expect(unpaid.ok ? null : unpaid.error.message).toMatch(/Web Store orders are released only once paid/);

    // Marketplace: ship what is there, cancel the rest.
    const market = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'marketplace', paymentCaptured: true, lines: [{ productId: p.id, quantity: 5 }], confirm: true }, clerk);
    const shipped = await f.ship(market.id);
    expect(shipped.lines[0]).toMatchObject({ delivered: 2, cancelled: 3 });
    expect(shipped.state).toBe('done');

    // Ship complete: nothing is ready until everything is reserved.
    await t.engine.run('sales.channel.setPolicy', { code: 'portal', backorderPolicy: 'ship_complete', requiredFields: ['shipTo'] }, as);
    const withAddress = await f.customer({ creditLimitMinor: null, addresses: [{ kind: 'ship_to', line1: '1 Dock Rd', city: 'Northtown', region: 'North' }] });
    const r = await f.stocked(1);
    const portal = await t.engine.run('sales.order.create', { customerId: withAddress.id, channelCode: 'portal', lines: [{ productId: r.id, quantity: 2 }], confirm: true }, clerk);
    expect(portal.shipToAddressId).toBe(withAddress.addresses[0]!.id);
    expect((await t.engine.run('inventory.transfer.get', { id: portal.deliveryTransferId! }, as))).toMatchObject({ shippingPolicy: 'all', state: 'waiting' });
    const policies = await t.engine.run('sales.channel.list', {}, clerk);
    expect(policies.rows.find((x) => x.code === 'portal')).toMatchObject({ backorderPolicy: 'ship_complete', requiredFields: ['shipTo'] });
    await t.engine.run('sales.channel.setPolicy', { code: 'portal', backorderPolicy: 'ship_partial', requiredFields: [] }, as);
    await inventoryClean();
  });

  it('refuses bad input and writes nothing', async () => {
    const p = await f.stocked(1);
    const c = await f.customer({ creditLimitMinor: null });
    const archived = await f.product();
    await t.engine.run('catalog.product.archive', { id: archived.id }, as);
    const gone = await f.customer();
    await t.engine.run('partners.customer.update', { id: gone.id, version: gone.version, active: false }, as);
    const kg = await t.engine.run('catalog.uom.create', { code: `KG${dialect.slice(0, 2).toUpperCase()}`, name: 'Kilogram', kind: 'weight' }, as);
    const count = async () => {
      const [o, m] = await Promise.all([
        t.database.db.selectFrom('sales_order').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        t.database.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return [Number(o.n), Number(m.n)];
    };
    const before = await count();
    const line = (extra: Record<string, unknown>) => ({ customerId: c.id, lines: [{ productId: p.id, quantity: 1, ...extra }] });
    const cases: [unknown, string, RegExp?][] = [
      [line({ quantity: -2 }), 'VALIDATION', /lines\.0\.quantity: Quantity must be more than zero/],
      [line({ quantity: 1.5 }), 'VALIDATION', /whole number/],
      [line({ unitPriceMinor: 10.5 }), 'VALIDATION', /lines\.0\.unitPriceMinor: Must be a whole number of cents/],
      [line({ discountBp: 12.5 }), 'VALIDATION'],
      [line({ uomId: '01890a5d-ac96-774b-bcce-b302099a8057' }), 'VALIDATION', /^Line 1: no such unit of measure$/],
      [line({ uomId: kg.id }), 'BUSINESS_RULE', /^Line 1: P-.*: KG.. does not convert to EA for this product$/],
      [line({ productId: '01890a5d-ac96-774b-bcce-b302099a8057' }), 'VALIDATION', /^Line 1: no such product$/],
      [line({ productId: archived.id }), 'BUSINESS_RULE', /^Line 1: P-.* is archived and cannot be sold$/],
      [{ ...line({}), customerId: '01890a5d-ac96-774b-bcce-b302099a8057' }, 'NOT_FOUND', /^Customer was not found$/],
      [{ ...line({}), customerId: gone.id }, 'BUSINESS_RULE', /is archived and cannot order/],
      [{ customerId: c.id, lines: Array.from({ length: 5001 }, () => ({ productId: p.id, quantity: 1 })) }, 'VALIDATION', /At most 5,000 lines per order/],
    ];
    for (const [input, code, message] of cases) {
      const r = await t.engine.call('sales.order.create', input, clerk);
      expect(r.ok, JSON.stringify(input).slice(0, 120)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        if (message) expect(r.error.message).toMatch(message);
      }
    }
    expect(await count()).toEqual(before);
  });

  it('takes an order of 5,000 lines in reasonable time', async () => {
    const products = [await f.stocked(0), await f.stocked(0), await f.stocked(0)];
    const c = await f.customer({ creditLimitMinor: null });
    const started = Date.now();
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: Array.from({ length: 5000 }, (_, i) => ({ productId: products[i % 3]!.id, quantity: 1 + (i % 7) })) }, clerk);
    const ms = Date.now() - started;
    expect(order.lines).toHaveLength(5000);
    expect(order.totalMinor).toBe(order.lines.reduce((s, l) => s + l.totalMinor, 0));
    expect(ms).toBeLessThan(30_000);
  }, 60_000);
});

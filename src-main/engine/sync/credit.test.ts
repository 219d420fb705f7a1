import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncWorld, edi850, type SyncWorld, type TestBranch } from './testing';

/**
 * Credit across branches: each branch checks a customer's credit against what it can see (its
 * own orders and invoices; other branches' are private), so two branches can each confirm an
 * order within the limit while offline. The centre, which sees them all, holds the later one
 * at merge. And an EDI order held for credit at its branch and released at the centre still
 * gets its 855, once, from the branch that holds the 850.
 */
describe('credit control across branches', () => {
  let world: SyncWorld;
  let b1: TestBranch;
  let b2: TestBranch;
  const central = () => ({ userId: world.adminUserId });

  beforeAll(async () => {
    world = await createSyncWorld();
    b1 = await world.addBranch('B21');
    b2 = await world.addBranch('B22');
  }, 180_000);
  afterAll(async () => world?.dispose());

  /** A product and a customer with a credit limit, made at the centre and pulled by both branches. */
  async function setup(sku: string, customer: Record<string, unknown>) {
    const each = (await world.centralEngine.run('catalog.uom.list', {}, central())).uoms.find((u) => u.code === 'EA')!;
    const product = await world.centralEngine.run('catalog.product.create', { sku, name: `Credit test ${sku}`, uomId: each.id, listPriceMinor: 10_000, costMinor: 5_000 }, central());
    const c = await world.centralEngine.run('partners.customer.create', { region: 'North', customerClass: 'regular', ...customer } as never, central());
    for (const b of [b1, b2]) {
      for (let i = 0; i < 40; i++) {
        await b.sync();
        if (await b.db.db.selectFrom('partner').select('id').where('id', '=', c.id).executeTakeFirst()) break;
        await new Promise((done) => setTimeout(done, 250));
      }
    }
    return { product, customer: c };
  }

  /** Syncs until a row the centre changed has reached this branch (other test files share the server's horizon). */
  async function pullUntil(b: TestBranch, seen: () => Promise<boolean>) {
    for (let i = 0; i < 40 && !(await seen()); i++) {
      await b.sync();
      if (await seen()) return;
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  it('two branches each confirm within the limit offline; at merge the centre puts the later order on credit hold, both branches see why, and releasing it ships it once', async () => {
    const { product, customer } = await setup('CREDIT-X-1', { name: 'Two-Branch Buyer', creditLimitMinor: 100_000 });
    const order = async (b: TestBranch, po: string) =>
      b.engine.run('sales.order.create', { customerId: customer.id, channelCode: 'rep', customerPo: po, lines: [{ productId: product.id, quantity: 6 }], confirm: true }, { userId: await b.adminId() });
    // Offline: each branch sees only its own order, well within the limit.
    const first = await order(b1, 'PO-CREDIT-1');
    const second = await order(b2, 'PO-CREDIT-2');
    expect(first.state).toBe('confirmed');
    expect(second.state).toBe('confirmed');
    expect(first.totalMinor).toBeLessThanOrEqual(100_000);
    expect(first.totalMinor + second.totalMinor).toBeGreaterThan(100_000);

    await b1.sync();
    await b2.sync();
    const admin = world.admin.db;
    expect((await admin.selectFrom('sales_order').select('state').where('id', '=', first.id).executeTakeFirstOrThrow()).state).toBe('confirmed');
    const held = await admin.selectFrom('sales_order').select(['state', 'hold_reason']).where('id', '=', second.id).executeTakeFirstOrThrow();
    expect(held.state).toBe('credit_hold');
    expect(held.hold_reason).toMatch(/Credit limit USD 1,000\.00 exceeded across branches/);
    const exceptions = await admin.selectFrom('sync_exception').select(['kind', 'document_id', 'branch_id', 'message']).where('kind', '=', 'credit').execute();
    expect(exceptions).toEqual([expect.objectContaining({ document_id: second.id, message: expect.stringMatching(/put on credit hold at merge/) })]);
    // Its delivery flow is cancelled and its reservations gone: nothing ships while it is held.
    const flow = await admin.selectFrom('transfer').select('state').where('origin', '=', second.number).execute();
    expect(flow.length).toBeGreaterThan(0);
    expect(new Set(flow.map((t) => t.state))).toEqual(new Set(['cancelled']));
    expect((await world.centralEngine.run('inventory.check', {}, central())).differences).toEqual([]);

    // Both branches see the exception; the owning branch sees the hold and finance's task.
    await pullUntil(b2, async () => (await b2.db.db.selectFrom('sales_order').select('state').where('id', '=', second.id).executeTakeFirstOrThrow()).state === 'credit_hold');
    await pullUntil(b1, async () => !!(await b1.db.db.selectFrom('sync_exception').select('id').where('document_id', '=', second.id).executeTakeFirst()));
    const as2 = { userId: await b2.adminId() };
    expect((await b2.engine.run('sales.order.get', { id: second.id }, as2)).state).toBe('credit_hold');
    expect((await b2.engine.run('sync.exceptions.list', { status: 'open' }, as2)).rows.map((r) => r.kind)).toContain('credit');
    expect((await b1.engine.run('sync.exceptions.list', { status: 'open' }, { userId: await b1.adminId() })).rows.filter((r) => r.documentId === second.id)).toHaveLength(1);
    expect(await b2.db.db.selectFrom('activity').select(['kind', 'role']).where('document_id', '=', second.id).where('kind', '=', 'credit_hold').where('state', '=', 'open').execute()).toEqual([{ kind: 'credit_hold', role: 'finance' }]);
    expect(await b2.db.db.selectFrom('reservation as r').innerJoin('transfer_line as l', 'l.id', 'r.transfer_line_id').innerJoin('transfer as t', 't.id', 'l.transfer_id').select('r.id').where('t.origin', '=', second.number).execute()).toEqual([]);

    // Finance releases it at the branch: a new delivery flow, and the centre does not hold it again.
    const released = await b2.engine.run('sales.order.releaseCredit', { id: second.id, reason: 'Customer paid the older invoices by phone' }, as2);
    expect(released.state).toBe('confirmed');
    expect(await b2.db.db.selectFrom('activity').select('id').where('document_id', '=', second.id).where('kind', '=', 'credit_hold').where('state', '=', 'open').execute()).toEqual([]);
    await b2.sync();
    expect((await admin.selectFrom('sales_order').select('state').where('id', '=', second.id).executeTakeFirstOrThrow()).state).toBe('confirmed');
    const open = await admin.selectFrom('transfer').select('id').where('origin', '=', second.number).where('state', 'in', ['waiting', 'ready']).where('kind', '=', 'delivery').execute();
    expect(open).toHaveLength(1);
    expect(await admin.selectFrom('sync_exception').select('id').where('kind', '=', 'credit').execute()).toHaveLength(1);
    expect((await world.centralEngine.run('inventory.check', {}, central())).differences).toEqual([]);
  }, 240_000);

  it('an EDI order held for credit at its branch and released at the centre gets its 855 once, from the branch that received the 850', async () => {
    const { product, customer } = await setup('CREDIT-EDI-1', { name: 'EDI Credit Buyer', externalId: 'B21CREDIT', creditLimitMinor: 1_000 });
    const as = { userId: await b1.adminId() };
    const price = ((await b1.engine.run('pricing.quote', { customerId: customer.id, productId: product.id }, as)).unitPriceMinor / 100).toFixed(2);
    let r = await b1.engine.run('imports.stage', { kind: 'edi', fileName: 'credit.edi', content: edi850('B21CREDIT', '000000901', 'B21-CREDIT-PO', [{ sku: 'CREDIT-EDI-1', qty: 3, price }]) }, as);
    r = await b1.engine.run('imports.apply', { batchId: r.batch.id }, as);
    expect(r.orders[0]).toMatchObject({ status: 'held', holdKind: 'credit' });
    const orderId = r.orders[0]!.orderId!;
    expect(await b1.db.db.selectFrom('edi_document').select('id').where('order_id', '=', orderId).execute()).toEqual([]);
    await b1.sync();

    // Finance at the centre releases it: the centre has no copy of the 850, so it cannot answer it.
    await world.centralEngine.run('sales.order.releaseCredit', { id: orderId, reason: 'Approved by the finance director' }, central());
    const admin = world.admin.db;
    expect(await admin.selectFrom('edi_document').select('id').where('order_id', '=', orderId).execute()).toEqual([]);
    // The centre records the release; the order is the branch's document, so the branch writes its delivery flow.
    const atCentre = await admin.selectFrom('sales_order').select(['state', 'number', 'branch_id', 'credit_released_by', 'hold_reason']).where('id', '=', orderId).executeTakeFirstOrThrow();
    expect(atCentre).toMatchObject({ state: 'credit_hold', credit_released_by: expect.any(String), hold_reason: expect.stringMatching(/B21 ships it after its next sync/) });
    const openFlow = () => admin.selectFrom('transfer').select(['id', 'branch_id']).where('origin', '=', atCentre.number).where('kind', '=', 'delivery').where('state', 'in', ['waiting', 'ready']).execute();
    expect(await openFlow()).toEqual([]);
    await expect(world.centralEngine.run('sales.order.releaseCredit', { id: orderId, reason: 'Again' }, central())).rejects.toThrow(/already released/);

    // The branch pulls the release and answers it with its 855, pushed in the same sync.
    await pullUntil(b1, async () => (await b1.db.db.selectFrom('sales_order').select('state').where('id', '=', orderId).executeTakeFirstOrThrow()).state === 'confirmed');
    const acks = await b1.db.db.selectFrom('edi_document').select(['id', 'kind', 'content']).where('order_id', '=', orderId).execute();
    expect(acks.map((a) => a.kind)).toEqual(['855']);
    expect(acks[0]!.content).toContain('BAK|00|AC|B21-CREDIT-PO');
    expect(await admin.selectFrom('edi_document').select('kind').where('order_id', '=', orderId).execute()).toEqual([{ kind: '855' }]);
    // Its delivery flow was written at the branch, so the branch (and its warehouse screens) holds it.
    expect((await openFlow()).map((t) => t.branch_id)).toEqual([atCentre.branch_id]);
    expect((await admin.selectFrom('sales_order').select('state').where('id', '=', orderId).executeTakeFirstOrThrow()).state).toBe('confirmed');
    // Further syncs owe nothing: still one, and no empty follow-up mutations.
    const outboxBefore = Number((await b1.db.db.selectFrom('client_state').select('last_mutation_id').executeTakeFirstOrThrow()).last_mutation_id);
    await b1.sync();
    await b1.sync();
    expect(Number((await b1.db.db.selectFrom('client_state').select('last_mutation_id').executeTakeFirstOrThrow()).last_mutation_id)).toBe(outboxBefore);
    expect(await admin.selectFrom('edi_document').select('kind').where('order_id', '=', orderId).execute()).toEqual([{ kind: '855' }]);
  }, 240_000);
});

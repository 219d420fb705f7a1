import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** A real SMTP server on a free loopback port, keeping what it receives. */
async function startSmtp(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

describe.each(DIALECTS)('customer notifications on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.close();
    await t.dispose();
  });

  const outbox = async (orderId: string) => (await t.engine.run('notifications.list', { orderId }, as)).rows;

  it('queues an order confirmation on confirm; without a mail server it stays queued, visibly; with one it is sent by SMTP', async () => {
    const p = await f.stocked(10);
    const c = await f.customer({ email: `buyer-${dialect}@example.com`, creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, customerPo: 'PO-77', lines: [{ productId: p.id, quantity: 3 }], confirm: true }, as);
    expect(order.state).toBe('confirmed');
    const queued = await outbox(order.id);
    expect(queued).toEqual([expect.objectContaining({ kind: 'order_confirmation', state: 'queued', toAddress: `buyer-${dialect}@example.com`, subject: `Order ${order.number} confirmed` })]);
    expect(queued[0]!.body).toContain(`thank you for your order PO-77`);
    expect(queued[0]!.body).toContain(`3 × ${p.sku}`);

    const idle = await t.engine.run('notifications.dispatch', {}, as);
    expect(idle).toMatchObject({ sent: 0, reason: expect.stringMatching(/No mail server is configured/) });
    expect((await t.engine.run('notifications.list', { state: 'queued' }, as)).mailConfigured).toBe(false);
    expect((await outbox(order.id))[0]!.state).toBe('queued');

    await t.engine.run('notifications.mail.set', { host: '127.0.0.1', port: smtp.port, secure: false, from: 'orders@branchline.test' }, as);
    const before = smtp.received.length;
    const run = await t.engine.run('notifications.dispatch', {}, as);
    expect(run.sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.received.slice(before).find((m) => m.to.includes(`buyer-${dialect}@example.com`));
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('orders@branchline.test');
    expect(mail!.data).toContain(`Subject: Order ${order.number} confirmed`);
    expect((await outbox(order.id))[0]).toMatchObject({ state: 'sent', sentAt: expect.any(String), attempts: 1 });
    // Sent once: another run sends nothing more for it.
    const count = smtp.received.length;
    await t.engine.run('notifications.dispatch', {}, as);
    expect(smtp.received.filter((m) => m.to.includes(`buyer-${dialect}@example.com`)).length).toBe(smtp.received.slice(0, count).filter((m) => m.to.includes(`buyer-${dialect}@example.com`)).length);
    await t.engine.run('notifications.mail.set', { host: null }, as);
  });

  it('renders edited templates; refuses unknown placeholders; shipment with tracking reference, delay and return notices', async () => {
    const e = await t.engine
      .run('notifications.template.set', { kind: 'shipment', subject: 'Shipped {{orderNumbr}}', body: 'x' }, as)
      .then(() => null)
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).message).toMatch(/Unknown placeholder \{\{orderNumbr\}\}/);
    await t.engine.run('notifications.template.set', { kind: 'shipment', subject: 'On its way: {{orderNumber}}', body: 'Hello {{customerName}}, tracking {{trackingNumber}} with {{carrier}}.' }, as);
    const templates = await t.engine.run('notifications.template.list', {}, as);
    expect(templates.rows.find((r) => r.kind === 'shipment')).toMatchObject({ edited: true, subject: 'On its way: {{orderNumber}}' });

    const p = await f.stocked(10);
    const c = await f.customer({ name: `Shipping Sam ${dialect}`, email: 'sam@example.com', creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 2 }], confirm: true }, as);
    await f.ship(order.id);
    const shipped = (await outbox(order.id)).find((n) => n.kind === 'shipment');
    expect(shipped).toMatchObject({ subject: `On its way: ${order.number}`, state: 'queued' });
    expect(shipped!.body).toMatch(new RegExp(`^Hello Shipping Sam ${dialect}, tracking B01-WH1-OUT-\\d{4}-\\d+ with our own delivery\\.$`));
    // Refreshing again queues no second shipment notice.
    await t.engine.run('sales.order.refresh', { id: order.id }, as);
    expect((await outbox(order.id)).filter((n) => n.kind === 'shipment')).toHaveLength(1);

    // The editor's preview: sample values without an order, the order's with one; unknown placeholders refused.
    const sample = await t.engine.run('notifications.template.preview', { kind: 'shipment', subject: 'On its way: {{orderNumber}}', body: 'Hi {{customerName}}' }, as);
    expect(sample).toEqual({ subject: 'On its way: B01-SO-2026-000123', body: 'Hi Acme Retail Ltd' });
    expect((await t.engine.run('notifications.template.preview', { kind: 'shipment', subject: '{{orderNumber}}', body: 'Hi {{customerName}}', orderId: order.id }, as)).body).toBe(`Hi Shipping Sam ${dialect}`);
    expect(await t.engine.run('notifications.template.preview', { kind: 'shipment', subject: '{{ordr}}', body: 'x' }, as).catch((err: unknown) => (err as Error).message)).toMatch(/Unknown placeholder \{\{ordr\}\}/);
    const ret = await t.engine.run('notifications.queue', { orderId: order.id, kind: 'return_authorised', returnNumber: 'RMA-9' }, as);
    expect(ret.subject).toBe(`Return RMA-9 authorised for order ${order.number}`);

    // Promised in the past and not shipped: one delay notice, once.
    const short = await f.stocked(0);
    const late = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: short.id, quantity: 1 }], confirm: true }, as);
    await t.database.db.updateTable('sales_order').set({ promised_date: '2020-01-01T00:00:00.000Z' }).where('id', '=', late.id).execute();
    expect((await t.engine.run('notifications.scanDelays', {}, as)).queued).toBeGreaterThanOrEqual(1);
    expect((await t.engine.run('notifications.scanDelays', {}, as)).queued).toBe(0);
    expect((await outbox(late.id)).map((n) => n.kind).sort()).toEqual(['delay', 'order_confirmation']);
  });
});

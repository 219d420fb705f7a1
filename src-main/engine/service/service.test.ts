import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { roleBalance } from '../finance/fixtures';
import { DomainError } from '../platform/errors';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

const MIN = 60_000;
const DAY = 86_400_000;
// A 1×1 PNG: real image bytes, so the content check accepts it.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe.each(DIALECTS)('customer service and returns on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let finance: { userId: string };
  let clerk: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;

  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      if (e instanceof DomainError) return `${e.code}: ${e.message}`;
      throw e;
    }
  };
  const count = async (table: 'ticket' | 'rma' | 'rma_line' | 'ticket_attachment' | 'invoice' | 'transfer' | 'payment' | 'notification' | 'stock_move') =>
    Number((await t.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const at = (iso: string | number) => vi.setSystemTime(new Date(iso));

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    const user = async (username: string, roles: ('clerk' | 'finance')[]) => ({ userId: (await t.engine.run('users.create', { username, displayName: username, password: `${username}-password`, roles }, as)).id });
    clerk = await user('agent1', ['clerk']);
    await user('agent2', ['clerk']);
    finance = await user('fin', ['finance']);
    await t.engine.run('service.sla.create', { name: 'Regular', customerClass: 'regular', firstResponseMinutes: 60, resolutionMinutes: 8 * 60, warnPercent: 75 }, as);
    await t.engine.run('service.sla.create', { name: 'Failed deliveries', ticketType: 'failed_delivery', firstResponseMinutes: 30, resolutionMinutes: 240 }, as);
    const team = await t.engine.run('service.team.create', { code: 'CS', name: 'Customer service', inboundEmail: 'service@branchline.test' }, as);
    await t.engine.run('service.assignmentRule.create', { name: 'Damage desk', ticketType: 'damaged_goods', region: 'North', teamId: team.id, assignees: ['agent1', 'agent2'] }, as);
    const seeded = await t.engine.run('service.demo.seed', { count: 1500, seed: 3 }, as);
    expect(seeded.examples).toBe(1500);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => t.dispose());

  /** An order of `qty` units of a fresh product, shipped and invoiced. */
  const shippedOrder = async (customerId: string, lines: number[]) => {
    const products = [];
    for (const q of lines) products.push(await f.stocked(q + 10));
    const order = await t.engine.run('sales.order.create', { customerId, lines: products.map((p, i) => ({ productId: p.id, quantity: lines[i]! })), confirm: true }, as);
    await f.ship(order.id);
    await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    return { order: await t.engine.run('sales.order.get', { id: order.id }, as), products };
  };

  it('a ticket by hand: SLA deadlines by class and type, round-robin assignment, warning then breach, the suggested category', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-06-01T08:00:00.000Z');
    at(t0);
    const c = await f.customer({ email: 'buyer@acme.test' });
    const make = (subject: string) => t.engine.run('service.ticket.create', { type: 'damaged_goods', customerId: c.id, subject, description: 'The box was crushed and the drill arrived broken.' }, clerk);
    const a = await make('Broken drill');
    const b = await make('Broken drill again');
    const c3 = await make('Third one');
    expect([a.assignee, b.assignee, c3.assignee]).toEqual(['agent1', 'agent2', 'agent1']);
    expect(a).toMatchObject({ state: 'open', source: 'manual', firstResponseDueAt: new Date(t0 + 60 * MIN).toISOString(), resolutionDueAt: new Date(t0 + 480 * MIN).toISOString(), slaStatus: 'ok' });
    expect(a.category).toBe('damaged_in_transit');
    expect(a.suggestion).toMatchObject({ category: 'damaged_in_transit', replyTemplate: expect.stringMatching(/arrived damaged/) });
    expect(a.suggestion!.confidenceBp).toBeGreaterThan(5000);
    // A failed delivery of the same customer takes the type's policy (30 minutes).
    const fd = await t.engine.run('service.ticket.create', { type: 'failed_delivery', customerId: c.id, subject: 'Nothing came', description: 'Nothing arrived today' }, clerk);
    expect(fd.firstResponseDueAt).toBe(new Date(t0 + 30 * MIN).toISOString());

    at(t0 + 50 * MIN);
    expect((await t.engine.run('service.ticket.get', { id: a.id }, clerk)).slaStatus).toBe('warning');
    at(t0 + 61 * MIN);
    const late = await t.engine.run('service.ticket.get', { id: a.id }, clerk);
    expect(late).toMatchObject({ slaStatus: 'breached' });
    expect(late.slaRemainingMs).toBe(-1 * MIN);
    const breached = await t.engine.run('service.ticket.list', { customerId: c.id, sla: 'breached' }, clerk);
    expect(breached.rows.map((r) => r.number).sort()).toEqual([a.number, b.number, c3.number, fd.number].sort());
    // The queue sorts by the resolution deadline, in SQL: the failed delivery (4 h) comes first.
    const queue = await t.engine.run('service.ticket.list', { customerId: c.id }, clerk);
    expect(queue.rows[0]!.id).toBe(fd.id);
    expect(queue.total).toBe(4);
  });

  it('replies go to the outbox and meet the first response; waiting for the customer pauses the timers, resuming moves the deadlines', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-06-02T08:00:00.000Z');
    at(t0);
    const c = await f.customer({ email: 'pause@acme.test' });
    const tk = await t.engine.run('service.ticket.create', { type: 'general', customerId: c.id, subject: 'Question', description: 'Can you send a copy of the invoice' }, clerk);
    at(t0 + 10 * MIN);
    const replied = await t.engine.run('service.ticket.reply', { id: tk.id, body: 'Which invoice do you mean?', waitForCustomer: true }, clerk);
    expect(replied).toMatchObject({ state: 'waiting_customer', firstRespondedAt: new Date(t0 + 10 * MIN).toISOString(), slaStatus: 'paused' });
    expect(replied.messages).toEqual([expect.objectContaining({ kind: 'reply', toAddress: 'pause@acme.test', outboxState: 'queued', subject: `Re: [${tk.number}] Question` })]);
    // The reply is in the customer notification outbox (one outbox), rendered from the ticket reply template.
    const out = await t.engine.run('notifications.list', { ticketId: tk.id }, as);
    expect(out.rows).toEqual([expect.objectContaining({ id: replied.messages[0]!.notificationId, kind: 'ticket_reply', ticketId: tk.id, toAddress: 'pause@acme.test', state: 'queued', subject: `Re: [${tk.number}] Question` })]);
    expect(out.rows[0]!.body).toContain('Which invoice do you mean?');
    const left = replied.slaRemainingMs!;
    expect(left).toBe(470 * MIN);
    at(t0 + 5 * 60 * MIN);
    expect((await t.engine.run('service.ticket.get', { id: tk.id }, clerk)).slaRemainingMs).toBe(left); // frozen
    const resumed = await t.engine.run('service.ticket.setState', { id: tk.id, state: 'open' }, clerk);
    expect(resumed.resolutionDueAt).toBe(new Date(t0 + 480 * MIN + (5 * 60 - 10) * MIN).toISOString());
    expect(resumed).toMatchObject({ slaStatus: 'ok', slaRemainingMs: left });
    await t.engine.run('service.ticket.note', { id: tk.id, body: 'Customer called, sent invoice by post' }, clerk);
    const resolved = await t.engine.run('service.ticket.setState', { id: tk.id, state: 'resolved' }, clerk);
    expect(resolved).toMatchObject({ slaStatus: 'met', resolvedAt: new Date(t0 + 300 * MIN).toISOString() });
    expect(resolved.messages.map((m) => m.kind)).toEqual(['reply', 'note']);
    expect(resolved.messages[1]).toMatchObject({ outboxState: null, notificationId: null });
    // Internal notes stay internal: still only the reply in the outbox.
    expect((await t.engine.run('notifications.list', { ticketId: tk.id }, as)).total).toBe(1);
    // Resolved tickets leave the active queue.
    expect((await t.engine.run('service.ticket.list', { customerId: c.id }, clerk)).total).toBe(0);
    expect((await t.engine.run('service.ticket.list', { customerId: c.id, state: 'resolved' }, clerk)).total).toBe(1);
  });

  it('from a saved e-mail: customer by sender, team by recipient, order by number, attachments checked; repeats and malformed mail refused', async () => {
    const c = await f.customer({ email: 'orders@mailco.test' });
    const { order } = await shippedOrder(c.id, [4]);
    const boundary = 'XYZ';
    const eml = [
      'From: "Mail Co Orders" <Orders@MailCo.test>',
      'To: Customer Service <service@branchline.test>',
      `Subject: Damaged parcel for ${order.number}`,
      'Message-ID: <abc-123@mailco.test>',
      'Date: Mon, 01 Jun 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The carton was torn open and the drill is dented. The courier dropped the parcel.',
      `--${boundary}`,
      'Content-Type: image/png; name="photo.png"',
      'Content-Disposition: attachment; filename="photo.png"',
      'Content-Transfer-Encoding: base64',
      '',
      PNG.toString('base64'),
      `--${boundary}`,
      'Content-Type: application/x-msdownload; name="invoice.exe"',
      'Content-Disposition: attachment; filename="invoice.exe"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('MZ fake').toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const tk = await t.engine.run('service.ticket.fromEmail', { eml }, clerk);
    expect(tk).toMatchObject({ source: 'email', customerId: c.id, fromEmail: 'orders@mailco.test', orderId: order.id, type: 'damaged_goods', subject: `Damaged parcel for ${order.number}`, assignee: expect.stringMatching(/agent/) });
    expect(tk.attachments).toEqual([expect.objectContaining({ fileName: 'photo.png', contentType: 'image/png', sizeBytes: PNG.length })]);
    expect(tk.messages.map((m) => m.kind)).toEqual(['inbound', 'system']);
    expect(tk.messages[1]!.body).toMatch(/invoice\.exe \(type application\/x-msdownload not allowed\)/);
    const before = await count('ticket');
    expect(await codeOf(t.engine.run('service.ticket.fromEmail', { eml }, clerk))).toMatch(/^CONFLICT: This e-mail was already received as ticket/);
    expect(await codeOf(t.engine.run('service.ticket.fromEmail', { eml: 'just some words, not a mail' }, clerk))).toMatch(/^VALIDATION: This e-mail cannot be read: it does not start with mail headers/);
    expect(await codeOf(t.engine.run('service.ticket.fromEmail', { eml: 'Subject: hi\r\nTo: service@branchline.test\r\n\r\nhello' }, clerk))).toMatch(/^VALIDATION: .*no valid sender/);
    expect(await codeOf(t.engine.run('service.ticket.fromEmail', { eml: 'From: stranger@nowhere.test\r\nSubject: hi\r\n\r\nhello' }, clerk))).toMatch(/^BUSINESS_RULE: No customer uses the address stranger@nowhere\.test/);
    expect(await count('ticket')).toBe(before);
  });

  it('by events: a failed delivery and a disputed invoice open linked tickets', async () => {
    const c = await f.customer({ email: 'events@acme.test' });
    const { order } = await shippedOrder(c.id, [2]);
    const delivery = (await t.engine.run('inventory.transfer.list', { query: order.number, limit: 10 }, as)).rows.find((r) => r.kind === 'delivery')!;
    const fd = await t.engine.run('service.ticket.fromEvent', { event: 'delivery_failed', documentId: delivery.id, note: 'Carrier: recipient not at home, parcel returned to depot' }, clerk);
    expect(fd).toMatchObject({ type: 'failed_delivery', source: 'event', deliveryId: delivery.id, deliveryNumber: delivery.number, orderId: order.id, priority: 'high' });
    const inv = (await t.engine.run('sales.invoice.list', { orderId: order.id }, as)).rows[0]!;
    const dispute = await t.engine.run('service.ticket.fromEvent', { event: 'invoice_disputed', documentId: inv.id, note: 'Customer says the price is wrong' }, clerk);
    expect(dispute).toMatchObject({ type: 'invoice_dispute', invoiceId: inv.id, invoiceNumber: inv.number, orderId: order.id });
  });

  it('attachments: allowed types only, the content must be what it claims, at most 5 MB', async () => {
    const c = await f.customer({ email: 'att@acme.test' });
    const tk = await t.engine.run('service.ticket.create', { type: 'damaged_goods', customerId: c.id, subject: 'Photos', description: 'See photos' }, clerk);
    const ok = await t.engine.run('service.ticket.attach', { id: tk.id, fileName: 'pod.png', contentType: 'image/png', contentBase64: PNG.toString('base64') }, clerk);
    expect(ok.attachments).toHaveLength(1);
    const before = await count('ticket_attachment');
    expect(await codeOf(t.engine.run('service.ticket.attach', { id: tk.id, fileName: 'run.exe', contentType: 'application/x-msdownload', contentBase64: Buffer.from('MZ').toString('base64') }, clerk))).toMatch(
      /^VALIDATION: run\.exe: files of type application\/x-msdownload cannot be attached/,
    );
    expect(await codeOf(t.engine.run('service.ticket.attach', { id: tk.id, fileName: 'fake.png', contentType: 'image/png', contentBase64: Buffer.from('MZ\u0000\u0001 not a png').toString('base64') }, clerk))).toMatch(/^VALIDATION: fake\.png is not really a image\/png file/);
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x41);
    expect(await codeOf(t.engine.run('service.ticket.attach', { id: tk.id, fileName: 'big.txt', contentType: 'text/plain', contentBase64: big.toString('base64') }, clerk))).toMatch(/^VALIDATION: big\.txt is larger than 5 MB/);
    expect(await count('ticket_attachment')).toBe(before);
  });

  it('damaged goods: ticket → RMA → receipt into Returns → inspection (restock, scrap) → credit note; stock and value follow', async () => {
    const c = await f.customer({ email: 'rma@acme.test' });
    const { order, products } = await shippedOrder(c.id, [5, 4]);
    const [pa, pb] = products as [(typeof products)[number], (typeof products)[number]];
    const tk = await t.engine.run('service.ticket.create', { type: 'damaged_goods', customerId: c.id, subject: 'Crushed box', description: 'The pallet arrived tipped over, several items cracked', orderId: order.id }, clerk);
    const rma = await t.engine.run(
      'service.rma.create',
      { orderId: order.id, ticketId: tk.id, reason: 'Damaged in transit', lines: [{ orderLineId: order.lines[0]!.id, quantity: 3 }, { orderLineId: order.lines[1]!.id, quantity: 2 }] },
      clerk,
    );
    expect(rma).toMatchObject({ state: 'authorised', ticketId: tk.id, orderId: order.id, approvalReason: null, reasonCategory: 'damaged_in_transit', valueMinor: 5 * 1000 });
    expect(rma.number).toMatch(/^B01-RMA-\d{4}-\d{6}$/);
    expect(rma.instructions).toContain(rma.number);
    const receipt = await t.engine.run('inventory.transfer.get', { id: rma.receiptTransferId! }, as);
    expect(receipt).toMatchObject({ kind: 'receipt', origin: rma.number, partnerId: c.id, fromPath: 'Virtual/Customers', toPath: `${f.wh.code}/Returns` });
    expect(receipt.lines.map((l) => l.quantity)).toEqual([3, 2]);

    const stockOf = async (productId: string) => {
      const rows = await t.engine.run('inventory.stock.byProduct', { productId }, as);
      return Object.fromEntries(rows.rows.map((r) => [r.path, r.onHand]));
    };
    const valueOf = async (productId: string) => {
      const v = await t.database.db.selectFrom('product_valuation').select(['quantity', 'value_minor']).where('product_id', '=', productId).executeTakeFirstOrThrow();
      return { quantity: Number(v.quantity), value: Number(v.value_minor) };
    };
    const aBefore = await stockOf(pa.id);
    const bValue = await valueOf(pb.id);

    const received = await t.engine.run(
      'service.rma.receive',
      { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, quantity: 3 }, { lineId: rma.lines[1]!.id, quantity: 2, condition: 'damaged' }] },
      as,
    );
    expect(received.state).toBe('received');
    expect(received.lines.map((l) => [l.qtyReceived, l.condition])).toEqual([[3, 'ok'], [2, 'damaged']]);
    expect((await stockOf(pa.id))[`${f.wh.code}/Returns`]).toBe(3);
    expect((await valueOf(pb.id)).quantity).toBe(bValue.quantity + 2);
    expect((await t.engine.run('sales.order.get', { id: order.id }, as)).lines.map((l) => l.returned)).toEqual([3, 2]);
    // Goods received damaged are noted on the RMA's ticket.
    expect((await t.engine.run('service.ticket.get', { id: tk.id }, clerk)).messages.some((m) => m.kind === 'system' && /arrived damaged: 2 ×/.test(m.body))).toBe(true);

    const inspected = await t.engine.run(
      'service.rma.inspect',
      { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, disposition: 'restock' }, { lineId: rma.lines[1]!.id, disposition: 'scrap', note: 'Casing cracked' }] },
      as,
    );
    expect(inspected.state).toBe('inspected');
    const aAfter = await stockOf(pa.id);
    expect(aAfter[`${f.wh.code}/Stock`]).toBe((aBefore[`${f.wh.code}/Stock`] ?? 0) + 3);
    expect(aAfter[`${f.wh.code}/Returns`] ?? 0).toBe(0);
    // Scrapped units left the stock value again: back to where it was before the return.
    expect(await valueOf(pb.id)).toEqual(bValue);
    expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);

    expect(await codeOf(t.engine.run('service.rma.resolve', { id: rma.id, resolution: 'credit_note' }, clerk))).toMatch(/^FORBIDDEN/);
    const resolved = await t.engine.run('service.rma.resolve', { id: rma.id, resolution: 'credit_note' }, finance);
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'credit_note', creditNoteTotalMinor: -5 * 1000 });
    const cn = await t.engine.run('sales.invoice.get', { id: resolved.creditNoteId! }, as);
    expect(cn).toMatchObject({ orderId: order.id, state: 'open', totalMinor: -5000, openMinor: -5000 });
    expect(cn.lines.map((l) => [l.orderLineId, l.quantity, l.totalMinor])).toEqual([
      [order.lines[0]!.id, -3, -3000],
      [order.lines[1]!.id, -2, -2000],
    ]);
    // The credit note is in the books, in the same transaction: one balanced entry that takes 50.00 off receivables.
    const entries = await t.database.db.selectFrom('journal_entry').select('id').where('source_id', '=', cn.id).execute();
    expect(entries).toHaveLength(1);
    const lines = await t.database.db
      .selectFrom('journal_line as l')
      .innerJoin('account as a', 'a.id', 'l.account_id')
      .select(['a.role', 'l.debit_minor', 'l.credit_minor'])
      .where('l.entry_id', '=', entries[0]!.id)
      .execute();
    expect(lines.reduce((s, l) => s + Number(l.debit_minor) - Number(l.credit_minor), 0)).toBe(0);
    expect(lines.filter((l) => l.role === 'receivable').reduce((s, l) => s + Number(l.debit_minor) - Number(l.credit_minor), 0)).toBe(-5000);
    const ticket = await t.engine.run('service.ticket.get', { id: tk.id }, clerk);
    expect(ticket.rmas).toEqual([expect.objectContaining({ id: rma.id, state: 'resolved', creditNoteNumber: cn.number })]);
    expect(ticket.messages.at(-1)!.body).toMatch(new RegExp(`resolved: credit note ${cn.number}`));
  });

  it('refund settles the credit note; a replacement ships the returned units again at no charge', async () => {
    const c = await f.customer({ email: 'res@acme.test' });
    const { order } = await shippedOrder(c.id, [3, 3]);
    const run = async (line: number, resolution: 'refund' | 'replacement') => {
      const rma = await t.engine.run('service.rma.create', { orderId: order.id, reason: 'Wrong item', lines: [{ orderLineId: order.lines[line]!.id, quantity: 1 }] }, clerk);
      await t.engine.run('service.rma.receive', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, quantity: 1 }] }, as);
      await t.engine.run('service.rma.inspect', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, disposition: 'restock' }] }, as);
      return t.engine.run('service.rma.resolve', { id: rma.id, resolution }, as);
    };
    // Nothing was paid yet: a refund is refused (nothing written), a credit note is the way.
    const unpaid = await t.engine.run('service.rma.create', { orderId: order.id, reason: 'Wrong item', lines: [{ orderLineId: order.lines[0]!.id, quantity: 1 }] }, clerk);
    await t.engine.run('service.rma.receive', { id: unpaid.id, lines: [{ lineId: unpaid.lines[0]!.id, quantity: 1 }] }, as);
    await t.engine.run('service.rma.inspect', { id: unpaid.id, lines: [{ lineId: unpaid.lines[0]!.id, disposition: 'restock' }] }, as);
    const [invoices, payments] = [await count('invoice'), await count('payment')];
    expect(await codeOf(t.engine.run('service.rma.resolve', { id: unpaid.id, resolution: 'refund' }, as))).toMatch(/^BUSINESS_RULE: .*no payment was received on order .*nothing to refund/);
    expect([await count('invoice'), await count('payment')]).toEqual([invoices, payments]);
    expect((await t.engine.run('service.rma.get', { id: unpaid.id }, as)).state).toBe('inspected');
    // The customer pays the invoice (finance), then a refund pays the money back against it.
    const inv = (await t.engine.run('sales.invoice.list', { orderId: order.id }, as)).rows[0]!;
    await t.engine.run('finance.payment.register', { partnerId: c.id, amountMinor: inv.totalMinor, allocations: [{ invoiceId: inv.id, amountMinor: inv.totalMinor }] }, finance);
    const refund = await t.engine.run('service.rma.resolve', { id: unpaid.id, resolution: 'refund' }, as);
    expect(refund).toMatchObject({ resolution: 'refund', refundMinor: 1000, refundPaymentId: expect.any(String), refundPaymentNumber: expect.stringMatching(/-PAY-/) });
    expect(await t.engine.run('sales.invoice.get', { id: refund.creditNoteId! }, as)).toMatchObject({ state: 'paid', totalMinor: -1000, paidMinor: -1000, openMinor: 0 });
    const pay = (await t.engine.run('finance.payment.list', { partnerId: c.id }, finance)).rows.find((p) => p.id === refund.refundPaymentId)!;
    expect(pay).toMatchObject({ direction: 'out', amountMinor: 1000, allocations: [expect.objectContaining({ invoiceId: refund.creditNoteId, amountMinor: 1000 })] });
    // AR ties out: the customer's receivable balance equals their open invoices (none); the bank holds paid − refunded.
    const balance = (role: string) => roleBalance(t.database.db, role, c.id);
    expect(await balance('receivable')).toBe(0);
    expect(await balance('bank')).toBe(inv.totalMinor - 1000);
    expect(refund.orderId).toBe(order.id);
    const repl = await run(1, 'replacement');
    const o2 = await t.engine.run('sales.order.get', { id: repl.replacementOrderId! }, as);
    expect(o2).toMatchObject({ customerId: c.id, customerPo: repl.number, totalMinor: 0, state: 'confirmed' });
    expect(o2.lines).toEqual([expect.objectContaining({ productId: order.lines[1]!.productId, quantity: 1, unitPriceMinor: 0 })]);
  });

  it('lot and serial returns: the lot/serial delivered comes back into Returns and keeps its number through inspection; the customer gets "return authorised"', async () => {
    const c = await f.customer({ email: 'lots@acme.test' });
    const lotted = await f.product({ tracking: 'lot' });
    await f.receive(lotted.id, 10, 400, { lotName: `LOT-A-${dialect}` });
    const serial = await f.product({ tracking: 'serial' });
    await f.receive(serial.id, 2, 400, { serials: [`SN-1-${dialect}`, `SN-2-${dialect}`] });
    const created = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: lotted.id, quantity: 4 }, { productId: serial.id, quantity: 2 }], confirm: true }, as);
    await f.ship(created.id);
    await t.engine.run('sales.invoice.create', { orderId: created.id }, as);
    const order = await t.engine.run('sales.order.get', { id: created.id }, as);
    const [lotLine, serialLine] = order.lines;
    const tk = await t.engine.run('service.ticket.create', { type: 'return_request', customerId: c.id, orderId: order.id, subject: 'Return', description: 'Two units and a serial back please' }, clerk);
    const before = { rma: await count('rma'), notification: await count('notification'), moves: await count('stock_move') };
    const bad = (lines: { orderLineId: string; quantity: number; lotName?: string }[]) => codeOf(t.engine.run('service.rma.create', { orderId: order.id, ticketId: tk.id, reason: 'Not needed', lines }, clerk));
    expect(await bad([{ orderLineId: lotLine!.id, quantity: 2 }])).toMatch(new RegExp(`^VALIDATION: Line 1 \\(.*\\) is tracked by lot: name the lot delivered \\(delivered: LOT-A-${dialect}\\)`));
    expect(await bad([{ orderLineId: lotLine!.id, quantity: 5, lotName: `LOT-A-${dialect}` }])).toMatch(/^BUSINESS_RULE: Line 1 .*at most 4/);
    expect(await bad([{ orderLineId: serialLine!.id, quantity: 1, lotName: 'SN-9' }])).toMatch(new RegExp(`^BUSINESS_RULE: Line 1 \\(.*\\): serial number SN-9 was not delivered on order ${order.number} \\(delivered: SN-1-${dialect}, SN-2-${dialect}\\)`));
    expect(await bad([{ orderLineId: serialLine!.id, quantity: 2, lotName: `SN-1-${dialect}` }])).toMatch(/^VALIDATION: .*a serial number is one unit/);
    expect(await bad([{ orderLineId: serialLine!.id, quantity: 1, lotName: `SN-1-${dialect}` }, { orderLineId: serialLine!.id, quantity: 1, lotName: `SN-1-${dialect}` }])).toMatch(/^BUSINESS_RULE: Line 2 .*serial number SN-1-.* is already being returned twice on this return/);
    expect({ rma: await count('rma'), notification: await count('notification'), moves: await count('stock_move') }).toEqual(before);

    const rma = await t.engine.run('service.rma.create', { orderId: order.id, ticketId: tk.id, reason: 'Not needed', lines: [{ orderLineId: lotLine!.id, quantity: 2, lotName: `LOT-A-${dialect}` }, { orderLineId: serialLine!.id, quantity: 1, lotName: `SN-2-${dialect}` }] }, clerk);
    expect(rma.state).toBe('authorised');
    expect(rma.lines.map((l) => l.lotName)).toEqual([`LOT-A-${dialect}`, `SN-2-${dialect}`]);
    // "Return authorised" from its template, in the notification outbox, shown on the ticket.
    const notices = (await t.engine.run('notifications.list', { orderId: order.id }, as)).rows.filter((n) => n.kind === 'return_authorised');
    expect(notices).toEqual([expect.objectContaining({ ticketId: tk.id, toAddress: 'lots@acme.test', state: 'queued', subject: `Return ${rma.number} authorised for order ${order.number}` })]);
    // The same serial cannot come back twice.
    expect(await bad([{ orderLineId: serialLine!.id, quantity: 1, lotName: `SN-2-${dialect}` }])).toMatch(new RegExp(`^BUSINESS_RULE: Line 1 .*serial number SN-2-${dialect} is already being returned on return ${rma.number}`));

    await t.engine.run('service.rma.receive', { id: rma.id, lines: rma.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);
    const stockAt = async (productId: string) =>
      t.database.db
        .selectFrom('stock_level as s')
        .innerJoin('location as l', 'l.id', 's.location_id')
        .innerJoin('lot', 'lot.id', 's.lot_key')
        .select(['l.zone', 'lot.name', 's.on_hand'])
        .where('s.product_id', '=', productId)
        .where('l.usage', '=', 'internal')
        .where('s.on_hand', '>', 0)
        .orderBy('l.zone')
        .execute();
    expect((await stockAt(lotted.id)).map((r) => [r.zone, r.name, Number(r.on_hand)])).toEqual([
      ['returns', `LOT-A-${dialect}`, 2],
      ['stock', `LOT-A-${dialect}`, 6],
    ]);
    expect((await stockAt(serial.id)).map((r) => [r.zone, r.name, Number(r.on_hand)])).toEqual([['returns', `SN-2-${dialect}`, 1]]);
    await t.engine.run('service.rma.inspect', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, disposition: 'restock' }, { lineId: rma.lines[1]!.id, disposition: 'scrap' }] }, as);
    expect((await stockAt(lotted.id)).map((r) => [r.zone, r.name, Number(r.on_hand)])).toEqual([['stock', `LOT-A-${dialect}`, 8]]);
    expect(await stockAt(serial.id)).toEqual([]);
    const scrapped = await t.database.db.selectFrom('stock_move as m').innerJoin('lot', 'lot.id', 'm.lot_id').select('lot.name').where('m.product_id', '=', serial.id).where('m.reference', '=', rma.number).execute();
    expect(scrapped.map((m) => m.name)).toEqual([`SN-2-${dialect}`]);
  });

  it('bad input: more than delivered, a cancelled order, after the window, above the value threshold; nothing half-written', async () => {
    const c = await f.customer({ email: 'bad@acme.test' });
    const { order } = await shippedOrder(c.id, [4]);
    const rmas = await count('rma');
    const lines = await count('rma_line');
    const transfers = await count('transfer');
    expect(await codeOf(t.engine.run('service.rma.create', { orderId: order.id, reason: 'Too many', lines: [{ orderLineId: order.lines[0]!.id, quantity: 5 }] }, clerk))).toMatch(
      /^BUSINESS_RULE: Line 1 \(P-.*\): you can return at most 4 — delivered 4; asked 5/,
    );
    // Two returns may not together exceed what was delivered.
    await t.engine.run('service.rma.create', { orderId: order.id, reason: 'First part', lines: [{ orderLineId: order.lines[0]!.id, quantity: 3 }] }, clerk);
    expect(await codeOf(t.engine.run('service.rma.create', { orderId: order.id, reason: 'Second part', lines: [{ orderLineId: order.lines[0]!.id, quantity: 2 }] }, clerk))).toMatch(
      /at most 1 — delivered 4, already in returns 3; asked 2/,
    );
    expect(await count('rma')).toBe(rmas + 1);
    expect(await count('rma_line')).toBe(lines + 1);
    expect(await count('transfer')).toBe(transfers + 1);

    const p = await f.stocked(5);
    const cancelled = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, as);
    await t.engine.run('sales.order.cancel', { id: cancelled.id, reason: 'Customer withdrew' }, as);
    expect(await codeOf(t.engine.run('service.rma.create', { orderId: cancelled.id, reason: 'Return it', lines: [{ orderLineId: cancelled.lines[0]!.id, quantity: 1 }] }, clerk))).toMatch(
      /^BUSINESS_RULE: Order .* is cancelled: nothing was delivered that could be returned/,
    );

    // 40 days later the window (30 days) has closed: the RMA waits for approval and cannot be received.
    vi.useFakeTimers({ toFake: ['Date'] });
    at(Date.now() + 40 * DAY);
    const lateRma = await t.engine.run('service.rma.create', { orderId: order.id, reason: 'Found it late', lines: [{ orderLineId: order.lines[0]!.id, quantity: 1 }] }, clerk);
    expect(lateRma).toMatchObject({ state: 'awaiting_approval', receiptTransferId: null, approvalReason: expect.stringMatching(/^delivered 40 days ago; the return window is 30 days$/) });
    expect(await codeOf(t.engine.run('service.rma.receive', { id: lateRma.id, lines: [{ lineId: lateRma.lines[0]!.id, quantity: 1 }] }, as))).toMatch(/^BUSINESS_RULE: RMA .* waits for approval \(delivered 40 days ago/);
    expect(await codeOf(t.engine.run('service.rma.decide', { id: lateRma.id, decision: 'approve', note: 'ok then' }, clerk))).toMatch(/^FORBIDDEN/);
    const approved = await t.engine.run('service.rma.decide', { id: lateRma.id, decision: 'approve', note: 'Good customer, accept' }, finance);
    expect(approved).toMatchObject({ state: 'authorised', decidedBy: 'fin', receiptTransferId: expect.any(String) });
    vi.useRealTimers();

    // Above the value threshold → approval.
    await t.engine.run('service.settings.set', { approvalThresholdMinor: 10_00 }, as);
    const { order: o2 } = await shippedOrder(c.id, [3]);
    const big = await t.engine.run('service.rma.create', { orderId: o2.id, reason: 'Too many', lines: [{ orderLineId: o2.lines[0]!.id, quantity: 2 }] }, clerk);
    expect(big.approvalReason).toMatch(/value 20\.00 is above the approval threshold of 10\.00/);
    await t.engine.run('service.settings.set', { approvalThresholdMinor: 500_00 }, as);
    // Receiving more than authorised is refused, nothing received.
    const r3 = await t.engine.run('service.rma.create', { orderId: o2.id, reason: 'One', lines: [{ orderLineId: o2.lines[0]!.id, quantity: 1 }] }, clerk);
    expect(await codeOf(t.engine.run('service.rma.receive', { id: r3.id, lines: [{ lineId: r3.lines[0]!.id, quantity: 2 }] }, as))).toMatch(/received 2 but the RMA authorises 1/);
    expect((await t.engine.run('service.rma.get', { id: r3.id }, as)).state).toBe('authorised');
  });

  it('classifier: held-out accuracy on demo texts; agents’ corrections are learned at once', async () => {
    const ev = await t.engine.run('service.classifier.evaluate', { count: 3000, holdoutPercent: 20, seed: 11 }, clerk);
    expect(ev.tested).toBe(600);
    expect(ev.accuracyBp).toBeGreaterThan(8500);
    expect(ev.perCategory.reduce((s, c) => s + c.tested, 0)).toBe(600);
    const odd = 'zorblax frobnicated the quuxes';
    const c = await f.customer({ email: 'cls@acme.test' });
    const tk = await t.engine.run('service.ticket.create', { type: 'general', customerId: c.id, subject: 'Zorblax', description: odd }, clerk);
    for (let i = 0; i < 3; i++) await t.engine.run('service.ticket.categorize', { id: tk.id, category: 'quality_defect' }, clerk);
    const after = await t.engine.run('service.classifier.predict', { text: odd }, clerk);
    expect(after.category).toBe('quality_defect');
    const got = await t.engine.run('service.ticket.get', { id: tk.id }, clerk);
    expect(got).toMatchObject({ category: 'quality_defect', categorySource: 'agent' });
    // Retraining from all examples keeps the agents' corrections.
    const trained = await t.engine.run('service.classifier.train', {}, clerk);
    expect(trained.examples).toBe(1503);
    expect((await t.engine.run('service.classifier.predict', { text: odd }, clerk)).category).toBe('quality_defect');
  });
});

describe.each(DIALECTS)('the demo company’s service data on %s', (dialect) => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine(dialect, { demoSize: 'small' });
  }, 180_000);
  afterAll(async () => t?.dispose());

  it('has SLA policies by class and type, labelled history and a trained classifier', async () => {
    const as = { userId: (await t.database.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id };
    const policies = (await t.engine.run('service.sla.list', {}, as)).rows;
    expect(policies.map((p) => [p.customerClass, p.ticketType]).sort()).toEqual([['consumer', null], ['key_account', null], ['regular', null], [null, 'failed_delivery']].sort());
    const s = await t.engine.run('service.classifier.predict', { text: 'the motor stopped working after two days, it is faulty' }, as);
    expect(s.category).toBe('quality_defect');
    expect(s.replyTemplate).toMatch(/defective/);
  });
});

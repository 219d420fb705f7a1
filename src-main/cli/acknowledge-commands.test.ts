import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcknowledgeResult } from './acknowledge-commands';
import { purchasingFixture } from '../engine/purchasing/fixtures';
import { withEngine } from './commands';
import { main } from './main';

/** A vendor's real-world 855 (sender 1556150, four PO1 lines: 1 and 4 accepted, 2 and 3 rejected), for PO "POTEST1112". */
const ACK = '/work/shared/fixtures/edi/855_ack_example.edi';

describe('branchline import ack (X12 855)', () => {
  let dir: string;
  let db: string;
  let poNumber: string;
  let poId: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'branchline', '--db', db, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  /** Rows an acknowledgement writes (and the outbox and audit log every command appends to), and the order's state. */
  const footprint = () =>
    withEngine(db, async (engine) => {
      const n = async (table: 'purchase_order_ack' | 'purchase_order_ack_line' | 'purchase_attachment' | 'outbox' | 'audit_log') =>
        Number((await engine.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const po = await engine.database.db.selectFrom('purchase_order').select('state').where('id', '=', poId).executeTakeFirstOrThrow();
      return { ack: await n('purchase_order_ack'), ackLines: await n('purchase_order_ack_line'), files: await n('purchase_attachment'), outbox: await n('outbox'), audit: await n('audit_log'), state: po.state };
    });
  /** The fixture, acknowledging our order instead of the vendor's test PO. */
  const forOurOrder = (text: string) => text.replace('BAK*00*AD*POTEST1112*', `BAK*00*AD*${poNumber}*`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'branchline-ack-'));
    db = join(dir, 'branch.sqlite');
    await withEngine(db, async (engine) => {
      await engine.run('system.setup', { companyName: 'Ack Co', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' }, { anonymous: true });
      const admin = await engine.database.db.selectFrom('app_user').select('id').executeTakeFirstOrThrow();
      const as = { userId: admin.id };
      const f = await purchasingFixture(engine, as, { code: 'AW1' });
      const v = await f.vendor({ ediEnabled: true, ediId: '1556150' });
      const products = [await f.bought(v.id, 450), await f.bought(v.id, 1599), await f.bought(v.id, 500), await f.bought(v.id, 450)];
      const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: products.map((p, i) => ({ productId: p.id, quantity: [3, 2, 1, 2][i]! })) });
      poNumber = po.number;
      poId = po.id;
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a malformed or foreign file in one line and writes nothing', async () => {
    const before = await footprint();
    expect(before).toMatchObject({ ack: 0, state: 'sent' });
    const notX12 = join(dir, 'notes.txt');
    writeFileSync(notX12, 'hello, this is not EDI\n');
    const truncated = join(dir, 'truncated.edi');
    writeFileSync(truncated, forOurOrder(readFileSync(ACK, 'latin1')).split('~').slice(0, 14).join('~'));
    const unknownCode = join(dir, 'unknown-code.edi');
    writeFileSync(unknownCode, forOurOrder(readFileSync(ACK, 'latin1')).replace('ACK*IR*0*UN***', 'ACK*ZZ*0*UN***'));
    const cases: [string, RegExp][] = [
      [notX12, /^error: notes\.txt: .*must start with an ISA segment/],
      [truncated, /^error: truncated\.edi: Interchange 1 \(000000005\) has no IEA trailer: the file is cut short$/],
      [unknownCode, /^error: unknown-code\.edi: segment \d+ \(ACK\): line status "ZZ" is not known/],
      // The fixture as it is acknowledges the vendor's own test PO, not ours.
      [ACK, /^error: 855_ack_example\.edi: BAK03: there is no purchase order POTEST1112$/],
    ];
    for (const [file, message] of cases) {
      const r = await run('import', 'ack', file);
      expect(r.code, file).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.split('\n'), file).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
    const missing = await run('import', 'ack', join(dir, 'nope.edi'));
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`error: Cannot read ${join(dir, 'nope.edi')}: no such file`);
    expect(await footprint()).toEqual(before);
  }, 60_000);

  it("records the vendor's answer on the order's lines, confirms the order, and refuses the same file twice", async () => {
    const file = join(dir, 'ack-ours.edi');
    writeFileSync(file, forOurOrder(readFileSync(ACK, 'latin1')));
    const start = await footprint();
    const r = await run('import', 'ack', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`${poNumber}: acknowledged by the vendor (855 000000005, AD, their reference 60169126) — 2 accepted, 0 changed, 2 rejected`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}line 1 \S+: accepted \(IA\)$/), expect.stringMatching(/^ {2}line 2 \S+: rejected \(IR\) — rejected by the vendor$/), expect.stringMatching(/^ {2}line 3 \S+: rejected \(IR\) — rejected by the vendor$/), expect.stringMatching(/^ {2}line 4 \S+: accepted \(IA\)$/)]);

    // The order's lines show it (what the PO page reads).
    const po = await withEngine(db, async (engine) => {
      const admin = await engine.database.db.selectFrom('app_user').select('id').executeTakeFirstOrThrow();
      return engine.run('purchasing.po.get', { id: poId }, { userId: admin.id });
    });
    expect(po).toMatchObject({ state: 'confirmed', vendorReference: '60169126' }); // BAK06 of the sample
    expect(po.acknowledgement?.lines.map((l) => [l.lineNo, l.status, l.quantity, l.orderedQuantity])).toEqual([
      [1, 'accepted', 3, 3],
      [2, 'rejected', 0, 2],
      [3, 'rejected', 0, 1],
      [4, 'accepted', 2, 2],
    ]);
    // One acknowledgement with its four lines, and the file attached to the order.
    expect(await footprint()).toMatchObject({ ack: 1, ackLines: 4, files: start.files + 1, state: 'confirmed' });

    // --json prints the contract's output; the same interchange again is refused, nothing written.
    const before = await footprint();
    const again = await run('--json', 'import', '855', file);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`error: ack-ours.edi: This acknowledgement (interchange 000000005) of ${poNumber} was already imported`);
    expect(await footprint()).toEqual(before);
    const second = join(dir, 'ack-second.edi');
    writeFileSync(second, readFileSync(file, 'latin1').replaceAll('000000005', '000000006'));
    const json = await run('--json', 'import', '855', second);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as AcknowledgeResult;
    expect(parsed).toMatchObject({ orderId: poId, orderNumber: poNumber, acknowledgement: { controlNumber: '000000006', accepted: 2, rejected: 2 } });
  }, 60_000);

  it('needs a file', async () => {
    expect((await run('import', 'ack')).code).toBe(2);
  });
});

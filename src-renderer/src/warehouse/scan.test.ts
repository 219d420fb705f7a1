import { describe, expect, it } from 'vitest';
import { dayToIso, localInputToIso, stepLabel } from './format';
import { type ScanAnswer, type Transfer, type TransferLine, applyScan, filledEdits, initialEdits, planValidation } from './scan';

const ID = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function line(n: number, extra: Partial<TransferLine> = {}): TransferLine {
  return {
    id: ID(100 + n),
    lineNo: n,
    productId: ID(200 + n),
    sku: `SKU-${n}`,
    productName: `Product ${n}`,
    barcode: null,
    tracking: 'none',
    uomCode: 'EA',
    quantity: 4,
    quantityDone: 0,
    reserved: 4,
    fromLocationId: ID(1),
    fromPath: 'WH1/Stock',
    toLocationId: ID(2),
    toPath: 'WH1/Pack',
    state: 'ready',
    unitCostMinor: null,
    ...extra,
  };
}

function transfer(kind: Transfer['kind'], lines: TransferLine[]): Transfer {
  return {
    id: ID(1000),
    number: `B01-WH1-${kind === 'receipt' ? 'IN' : 'PICK'}-2026-000001`,
    kind,
    state: 'ready',
    warehouseId: ID(3),
    warehouseCode: 'WH1',
    fromLocationId: ID(1),
    fromPath: 'WH1/Stock',
    toLocationId: ID(2),
    toPath: 'WH1/Pack',
    partnerId: null,
    partnerName: null,
    origin: null,
    channelCode: null,
    priorityRank: 100,
    scheduledDate: '2026-11-30T08:00:00.000Z',
    promisedDate: null,
    shippingPolicy: 'asap',
    carrier: null,
    carrierCutoff: null,
    backorderOfId: null,
    backorderReason: null,
    linkedTransferId: null,
    waveId: null,
    doneAt: null,
    lines,
  };
}

const answer = (a: Partial<ScanAnswer>): ScanAnswer => ({ productId: null, sku: null, lot: null, serial: null, expiry: null, count: null, lineId: null, verdict: 'match', message: '', ...a });

describe('scan-to-confirm', () => {
  const pick = transfer('pick', [line(1), line(2, { quantity: 2, reserved: 2 })]);

  it('a match adds one to its line; a GS1 (37) count adds that many', () => {
    let edits = initialEdits(pick);
    let out = applyScan(pick, edits, answer({ lineId: pick.lines[0]!.id, sku: 'SKU-1' }));
    expect(out.tone).toBe('ok');
    expect(out.edits[pick.lines[0]!.id]!.done).toBe(1);
    edits = out.edits;
    out = applyScan(pick, edits, answer({ lineId: pick.lines[0]!.id, count: 3 }));
    expect(out.edits[pick.lines[0]!.id]!.done).toBe(4);
    expect(out.message).toContain('4 of 4');
  });

  it('refuses more than is left on a pick, and says so without changing anything', () => {
    const edits = { ...initialEdits(pick), [pick.lines[1]!.id]: { done: 2, lotName: '', expiryDate: '', serials: [], toLocationId: null } };
    const out = applyScan(pick, edits, answer({ lineId: pick.lines[1]!.id }));
    expect(out.tone).toBe('warn');
    expect(out.edits).toBe(edits);
  });

  it('a wrong or unknown product is an error and changes nothing', () => {
    const edits = initialEdits(pick);
    for (const verdict of ['wrong_product', 'unknown'] as const) {
      const out = applyScan(pick, edits, answer({ verdict, message: 'Wrong product: X is not on this transfer' }));
      expect(out).toMatchObject({ tone: 'error', lineId: null, message: 'Wrong product: X is not on this transfer' });
      expect(out.edits).toBe(edits);
    }
    expect(applyScan(pick, edits, answer({ verdict: 'complete', message: 'done already' })).tone).toBe('warn');
  });

  it('on a receipt, (10) fills the lot and (21) adds a serial, once', () => {
    const receipt = transfer('receipt', [line(1, { tracking: 'lot', reserved: 0 }), line(2, { tracking: 'serial', reserved: 0, quantity: 2 })]);
    let out = applyScan(receipt, initialEdits(receipt), answer({ lineId: receipt.lines[0]!.id, lot: 'L-7', expiry: '2027-12-31', count: 4 }));
    expect(out.edits[receipt.lines[0]!.id]).toMatchObject({ done: 4, lotName: 'L-7', expiryDate: '2027-12-31' });
    out = applyScan(receipt, out.edits, answer({ lineId: receipt.lines[1]!.id, serial: 'SN-1' }));
    out = applyScan(receipt, out.edits, answer({ lineId: receipt.lines[1]!.id, serial: 'SN-1' }));
    expect(out.tone).toBe('warn');
    expect(out.edits[receipt.lines[1]!.id]).toMatchObject({ done: 1, serials: ['SN-1'] });
    const noSerial = applyScan(receipt, out.edits, answer({ lineId: receipt.lines[1]!.id }));
    expect(noSerial.tone).toBe('warn');
  });
});

describe('validation plan', () => {
  it('lists every open line with its done quantity and flags short lines for the backorder question', () => {
    const pick = transfer('pick', [line(1), line(2, { quantity: 2, reserved: 2 }), line(3, { state: 'done', quantityDone: 1, quantity: 1 })]);
    const edits = filledEdits(pick, initialEdits(pick));
    edits[pick.lines[1]!.id] = { ...edits[pick.lines[1]!.id]!, done: 1 };
    const plan = planValidation(pick, edits);
    expect(plan.lines.map((l) => [l.lineId, l.quantity])).toEqual([
      [pick.lines[0]!.id, 4],
      [pick.lines[1]!.id, 1],
    ]);
    expect(plan.short).toEqual([{ sku: 'SKU-2', done: 1, need: 2 }]);
    expect(plan.anyDone).toBe(true);
    expect(plan.errors).toEqual({});
  });

  it('fills a pick with what is reserved, a receipt with what is planned', () => {
    const pick = transfer('pick', [line(1, { reserved: 3 })]);
    expect(filledEdits(pick, initialEdits(pick))[pick.lines[0]!.id]!.done).toBe(3);
    const receipt = transfer('receipt', [line(1, { reserved: 0, quantity: 9 })]);
    expect(filledEdits(receipt, initialEdits(receipt))[receipt.lines[0]!.id]!.done).toBe(9);
  });

  it('asks for the lot or the serial numbers of tracked products on a receipt, and passes the put-away bin', () => {
    const receipt = transfer('receipt', [line(1, { tracking: 'lot', reserved: 0 }), line(2, { tracking: 'serial', reserved: 0, quantity: 2 }), line(3, { reserved: 0 })]);
    const edits = filledEdits(receipt, initialEdits(receipt));
    edits[receipt.lines[2]!.id] = { ...edits[receipt.lines[2]!.id]!, toLocationId: ID(9) };
    const plan = planValidation(receipt, edits);
    expect(plan.errors[receipt.lines[0]!.id]).toMatch(/lot/);
    expect(plan.errors[receipt.lines[1]!.id]).toMatch(/2 serial numbers \(0 given\)/);
    expect(plan.lines[2]).toMatchObject({ toLocationId: ID(9) });
    edits[receipt.lines[0]!.id] = { ...edits[receipt.lines[0]!.id]!, lotName: ' L-1 ', expiryDate: '2027-01-31' };
    edits[receipt.lines[1]!.id] = { ...edits[receipt.lines[1]!.id]!, serials: ['A', 'B'] };
    const ok = planValidation(receipt, edits);
    expect(ok.errors).toEqual({});
    expect(ok.lines[0]).toMatchObject({ lotName: 'L-1', expiryDate: '2027-01-31' });
    expect(ok.lines[1]).toMatchObject({ serials: ['A', 'B'], quantity: 2 });
  });

  it('uses the shared schema messages (a bad expiry date)', () => {
    const receipt = transfer('receipt', [line(1, { tracking: 'lot', reserved: 0 })]);
    const edits = filledEdits(receipt, initialEdits(receipt));
    edits[receipt.lines[0]!.id] = { ...edits[receipt.lines[0]!.id]!, lotName: 'L', expiryDate: '31/01/2027' };
    expect(planValidation(receipt, edits).errors[receipt.lines[0]!.id]).toBe('Use a date like 2026-12-31');
  });
});

describe('warehouse formatting', () => {
  it('names a step by its operation code', () => {
    expect(stepLabel({ number: 'B01-WH1-PUT-2026-000012', kind: 'internal' })).toBe('Put-away');
    expect(stepLabel({ number: 'B01-WH1-PICK-2026-000012', kind: 'pick' })).toBe('Pick');
    expect(stepLabel({ number: 'odd', kind: 'transit_in' })).toBe('Receive from warehouse');
  });

  it('turns date inputs into ISO instants or nothing', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('not a date')).toBeNull();
    expect(localInputToIso('2026-11-30T17:00')).toMatch(/^2026-11-30T\d{2}:00:00\.000Z$/);
    expect(dayToIso('2026-11-30')).toMatch(/^2026-11-(29|30)T/);
    expect(dayToIso('30.11.2026')).toBeUndefined();
  });
});

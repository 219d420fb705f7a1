import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

describe.each(DIALECTS)('customers on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let clerk: { userId: string };

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    clerk = { userId: (await t.engine.run('users.create', { username: 'clerk', displayName: 'Carl', password: 'clerk-password', roles: ['clerk'] }, as)).id };
  });
  afterAll(async () => t.dispose());

  it('creates a B2B account with addresses and contacts, edits it optimistically', async () => {
    const c = await t.engine.run(
      'partners.customer.create',
      {
        name: 'Acme Hardware',
        legalName: 'Acme Hardware Holdings LLC',
        taxId: 'US123456789',
        customerClass: 'key_account',
        region: 'North',
        paymentTermsDays: 45,
        creditLimitMinor: 250_000_00,
        invoicePolicy: 'on_delivery',
        graceDays: 7,
        email: 'Orders@Acme.example',
        gln: '4006381333931',
        externalId: 'ERP-77',
        addresses: [
          { kind: 'bill_to', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'us' },
          { kind: 'ship_to', label: 'Dock A', line1: '9 Dock Rd', city: 'Springfield', region: 'North' },
          { kind: 'ship_to', label: 'Dock B', line1: '10 Dock Rd', city: 'Shelbyville', region: 'South', isDefault: true },
        ],
        contacts: [{ name: 'Wile E.', email: 'wile@acme.example', role: 'Buyer' }],
      },
      clerk,
    );
    expect(c).toMatchObject({ code: 'B01-C00001', email: 'orders@acme.example', creditLimitMinor: 250_000_00, graceDays: 7, invoicePolicy: 'on_delivery' });
    expect(c.addresses.map((a) => [a.kind, a.label, a.isDefault, a.country])).toEqual([
      ['bill_to', null, true, 'US'],
      ['ship_to', 'Dock B', true, 'US'],
      ['ship_to', 'Dock A', false, 'US'],
    ]);
    const dockB = c.addresses.find((a) => a.label === 'Dock B')!;
    const edited = await t.engine.run('partners.customer.update', { id: c.id, version: c.version, creditLimitMinor: 300_000_00, addresses: [{ ...dockB, postalCode: '99999' }] }, clerk);
    expect(edited).toMatchObject({ version: 2, creditLimitMinor: 300_000_00, legalName: 'Acme Hardware Holdings LLC', taxId: 'US123456789', paymentTermsDays: 45 });
    expect(edited.addresses).toEqual([expect.objectContaining({ id: dockB.id, postalCode: '99999', isDefault: true })]);
    const stale = await t.engine.call('partners.customer.update', { id: c.id, version: 1, name: 'Nope' }, clerk);
    expect(stale.ok ? 'ok' : stale.error.code).toBe('CONFLICT');
    const dup = await t.engine.call('partners.customer.create', { name: 'Acme again', externalId: 'ERP-77' }, clerk);
    expect(dup.ok ? 'ok' : dup.error.message).toMatch(/External id ERP-77 is already used by customer B01-C00001 "Acme Hardware"/);
    const badGln = await t.engine.call('partners.customer.create', { name: 'Bad GLN', gln: '4006381333932' }, clerk);
    expect(badGln.ok ? 'ok' : badGln.error.message).toBe('gln: GLN check digit is wrong');
  });

  it('lists in SQL order with paging and filters, and searches by code, name, e-mail or tax id', async () => {
    for (const [name, cls, region] of [
      ['Zeta Tools', 'regular', 'South'],
      ['Beta Supplies', 'regular', 'North'],
      ['Gamma Stores', 'consumer', 'North'],
    ] as const) {
      await t.engine.run('partners.customer.create', { name, customerClass: cls, region, email: `${name.split(' ')[0]!.toLowerCase()}@example.com` }, clerk);
    }
    const page = await t.engine.run('partners.customer.list', { sort: 'name', limit: 2 }, clerk);
    expect(page.rows.map((r) => r.name)).toEqual(['Acme Hardware', 'Beta Supplies']);
    expect(page.total).toBe(4);
    const next = await t.engine.run('partners.customer.list', { sort: 'name', limit: 2, offset: 2 }, clerk);
    expect(next.rows.map((r) => r.name)).toEqual(['Gamma Stores', 'Zeta Tools']);
    const north = await t.engine.run('partners.customer.list', { region: 'North', customerClass: 'regular', sort: 'name', dir: 'desc' }, clerk);
    expect(north.rows.map((r) => r.name)).toEqual(['Beta Supplies']);
    expect((await t.engine.run('partners.customer.list', { query: 'ZETA@' }, clerk)).rows.map((r) => r.name)).toEqual(['Zeta Tools']);
    expect((await t.engine.run('partners.customer.search', { query: 'b01-c0000' }, clerk)).rows.map((r) => r.code)).toEqual(['B01-C00001', 'B01-C00002', 'B01-C00003', 'B01-C00004']);
    expect((await t.engine.run('partners.customer.search', { query: 'US1234' }, clerk)).rows.map((r) => r.name)).toEqual(['Acme Hardware']);
    expect((await t.engine.run('partners.customer.search', { query: '100%_' }, clerk)).rows).toEqual([]);
  });

  it('finds duplicates by external id, e-mail or GLN and merges them, saying what was merged', async () => {
    const f = await salesFixture(t.engine, as);
    const keep = await t.engine.run('partners.customer.create', { name: 'Orbit Retail', email: 'buy@orbit.example', region: 'North' }, clerk);
    const twin = await t.engine.run(
      'partners.customer.create',
      { name: 'ORBIT RETAIL INC', email: 'buy@orbit.example', gln: '4006381333931', taxId: 'US999', phone: '+1 555 0100', addresses: [{ kind: 'ship_to', line1: '5 Orbit Way', city: 'Northtown' }], contacts: [{ name: 'Olga' }] },
      clerk,
    );
    const p = await f.stocked(5);
    const order = await t.engine.run('sales.order.create', { customerId: twin.id, lines: [{ productId: p.id, quantity: 1 }] }, clerk);
    const found = await t.engine.run('partners.customer.findDuplicates', { id: keep.id }, clerk);
    expect(found.rows.map((r) => [r.customer.id, r.matchedBy])).toEqual([[twin.id, ['email']]]);
    const byGln = await t.engine.run('partners.customer.findDuplicates', { gln: '4006381333931' }, clerk);
    expect(byGln.rows.map((r) => r.customer.name).sort()).toEqual(['Acme Hardware', 'ORBIT RETAIL INC']);
    const merged = await t.engine.run('partners.customer.merge', { keepId: keep.id, mergeId: twin.id }, clerk);
    expect(merged).toMatchObject({ fieldsFilled: ['taxId', 'phone', 'gln'], addressesMoved: 1, contactsMoved: 1, ordersMoved: 1, invoicesMoved: 0 });
    expect(merged.summary).toMatch(/^Merged B01-C\d+ "ORBIT RETAIL INC" into B01-C\d+ "Orbit Retail": filled taxId, phone, gln, 1 address\(es\), 1 contact\(s\), 1 order\(s\); B01-C\d+ is archived$/);
    expect(merged.customer).toMatchObject({ gln: '4006381333931', taxId: 'US999', addresses: [expect.objectContaining({ line1: '5 Orbit Way' })] });
    expect((await t.engine.run('sales.order.get', { id: order.id }, clerk)).customerId).toBe(keep.id);
    expect((await t.engine.run('partners.customer.get', { id: twin.id }, clerk))).toMatchObject({ active: false, mergedIntoId: keep.id });
    expect((await t.engine.run('partners.customer.findDuplicates', { id: keep.id }, clerk)).rows.map((r) => r.customer.name)).toEqual(['Acme Hardware']);
    const onMerged = await t.engine.call('sales.order.create', { customerId: twin.id, lines: [] }, clerk);
    expect(onMerged.ok ? 'ok' : onMerged.error.message).toMatch(/was merged into another customer; use that one/);
    const [entry] = (await t.engine.run('system.audit.list', { method: 'partners.customer.merge' }, as)).rows;
    expect(entry!.summary).toBe(merged.summary);
  });
});

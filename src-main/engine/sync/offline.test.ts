import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchWork, checkInvariants, clean, createSim, quiesce, recordOutbox, startCase, type Sim, type SimBranch } from './simulation';
import { branchline, writeCredentials } from './sync-child';

/**
 * Three days offline: a branch works without its centre until 20,000 mutations wait in its
 * outbox (receipts, deliveries, validations, adjustments), while another branch and the
 * centre carry on; then one `branchline sync` brings it level: everything pushed once,
 * everything new pulled, summary = ledger on both sides.
 */
const PENDING = Number(process.env.BRANCHLINE_OFFLINE_MUTATIONS ?? 20_000);

describe('three days offline', () => {
  let sim: Sim;
  let a: SimBranch;
  let b: SimBranch;

  beforeAll(async () => {
    sim = await createSim({ branches: 2, durable: true });
    [a, b] = sim.branches as [SimBranch, SimBranch];
    writeCredentials(a.t.file, a.t.creds);
  }, 180_000);
  afterAll(async () => {
    if (sim) await sim.world.dispose();
  });

  it(`a branch with ${PENDING.toLocaleString('en')} pending mutations converges in one \`branchline sync\``, async () => {
    const scope = await startCase(sim);
    // Forty products (made at the centre, pulled while still online) share the work.
    for (let i = 0; i < 38; i++) {
      const p = await sim.world.centralEngine.run('catalog.product.create', { sku: `OFF-${i}-${Date.now()}`, name: `Offline ${i}`, uomId: sim.uomId, listPriceMinor: 100, costMinor: 50 }, sim.centralAs);
      scope.products.push(p.id);
    }
    await quiesce(sim, [0, 1]);
    const t0 = Date.now();
    // The days' work, made without waiting for the disk on each commit (test data; the sync
    // itself runs in a child with the real settings): counts and receipts at the depot, then
    // deliveries (which reserve) and validations of some of them.
    a.t.db.sqlite.pragma('synchronous = NORMAL');
    const wh = sim.warehouses[1]!;
    const engine = a.t.engine;
    let made = 0;
    const deliveries: string[] = [];
    for (let i = 0; made < PENDING; i++) {
      const productId = scope.products[i % scope.products.length]!;
      const left = PENDING - made;
      if (i % 3 === 0 && left >= 2) {
        const r = await engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId, quantity: 6, unitCostMinor: 100 + (i % 50) }] }, a.as);
        await engine.run('inventory.transfer.validate', { id: r.id }, a.as);
        made += 2;
      } else if (i % 7 === 1) {
        const d = await engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, lines: [{ productId, quantity: 2 }] }, a.as);
        deliveries.push(d.id);
        made += 1;
      } else if (i % 7 === 2 && deliveries.length > 0) {
        await engine.run('inventory.transfer.validate', { id: deliveries.shift()! }, a.as).catch(() => undefined);
        made = (a.t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
      } else {
        await engine.run('inventory.adjust', { productId, locationId: wh.stockId, delta: 1 + (i % 3), reason: 'cycle count' }, a.as);
        made += 1;
      }
    }
    a.t.db.sqlite.pragma('synchronous = FULL');
    const generated = Date.now() - t0;
    const outbox = () => (a.t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    expect(outbox()).toBe(made);
    expect(deliveries.length).toBeGreaterThan(0);
    expect(made).toBeGreaterThanOrEqual(PENDING);

    // Meanwhile the rest of the company moves on: another branch's work, new products at the centre.
    await branchWork(sim, 1, scope, 400, 77, ['adjust', 'receive']);
    recordOutbox(b);
    await b.t.sync();
    for (let i = 0; i < 20; i++) {
      await sim.world.centralEngine.run('catalog.product.create', { sku: `DAY3-${i}-${Date.now()}`, name: `Arrived while offline ${i}`, uomId: sim.uomId, listPriceMinor: 100, costMinor: 50 }, sim.centralAs);
    }

    recordOutbox(a);
    const sync = await branchline(['--db', a.t.file, 'sync'], {}, 900_000);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(new RegExp(`Pushed ${made}, pulled \\d+; everything is pushed`));
    expect(outbox()).toBe(0);
    const central = (await sim.world.admin.pool.query(`SELECT last_mutation_id FROM sync_client WHERE client_id = $1`, [a.t.creds.clientId])).rows[0].last_mutation_id as number;
    expect(central).toBe((a.t.db.sqlite.prepare('SELECT last_mutation_id AS n FROM client_state').get() as { n: number }).n);
    const products = a.t.db.sqlite.prepare(`SELECT count(*) AS n FROM product WHERE sku LIKE 'DAY3-%'`).get() as { n: number };
    expect(products.n).toBe(20);
    const pulled = Number(/pulled (\d+)/.exec(sync.stdout)![1]);
    console.info(
      `three days offline: ${made.toLocaleString('en')} mutations made in ${(generated / 1000).toFixed(1)} s; one \`branchline sync\` (process start included) pushed them and pulled ${pulled.toLocaleString('en')} rows in ${(sync.ms / 1000).toFixed(1)} s (${Math.round(made / (sync.ms / 1000)).toLocaleString('en')} mutations/s end to end)`,
    );
    await quiesce(sim, [0, 1]);
    const report = await checkInvariants(sim, scope, { inventoryCheck: true });
    expect(clean(report), JSON.stringify(report, null, 2).slice(0, 4000)).toBe(true);
  }, 900_000);
});

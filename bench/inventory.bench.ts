/**
 * Inventory figures from the Inventory issue, on a database with 1,000,000 stock moves:
 *  - posting moves through the engine (a 100-line receipt received in one command — created
 *    and validated: bus, outbox, audit, transfer and lines, levels, valuation, the stock journal
 *    entry) vs raw prepared INSERTs of the same stock_move rows — target ≥ 1/4 of raw's rate;
 *    beside it (no target) the same receipt as two commands, create then validate;
 *  - availability of one product (inventory.availability through Engine.call) vs a prepared
 *    SUM over its summary rows — target p50 < 100 µs;
 *  - reserving a 20-line delivery (create + confirm, which reserves) — target p50 < 2 ms;
 *  - confirming a 20-line sales order (create with confirm) — target p50 < 5 ms;
 *  - building a wave of 500 ready deliveries — target < 200 ms.
 * The database is built once (raw inserts; summary and valuation computed from the moves, so
 * `inventory.check` holds) and cached in .bench-data/.
 * Every raw baseline runs on the engine's own connection (openSqlite's pragmas: WAL,
 * synchronous=FULL), checked below, so both sides pay the same durable commit. Posting is
 * measured twice: as an unbound install, and bound to a centre (capture on: the outbox
 * mutation carries the image of every row the command wrote), as every real branch runs.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '../src-main/engine/platform/ids';
import { prepareOrderBench } from '../src-main/engine/sales/bench';
import { BENCH_DIR, deriveStockSummaries, finishDataset, rng, SCHEMA_KEY, startDataset } from './lib/dataset';
import { mustOk, openBenchEngine } from './lib/engine';
import { iterations, log, measure, measurePair, report, type SelfTimed, stats } from './lib/measure';

const SUITE = 'inventory';
const MOVES = Number(process.env.BENCH_INVENTORY_MOVES ?? 1_000_000);
const PRODUCTS = 2_000;

async function ensureInventoryDataset(): Promise<string> {
  const file = join(BENCH_DIR, `inventory-${MOVES}-${SCHEMA_KEY}-g1.sqlite`);
  if (existsSync(file)) return file;
  const { tmp, startedAt, database, engine, as } = await startDataset(file, log, `building a ${MOVES.toLocaleString('en-US')}-move inventory database (cached afterwards) ...`);
  const each = await engine.run('catalog.uom.create', { code: 'EA', name: 'Each' }, as);
  const wh = await engine.run('inventory.warehouse.create', { code: 'WH1', name: 'Main', region: 'North' }, as);
  const stock = (await engine.run('inventory.location.list', { warehouseId: wh.id }, as)).rows.find((l) => l.path === 'WH1/Stock')!;
  const bins: { id: string }[] = [];
  for (let i = 0; i < 60; i++) bins.push(await engine.run('inventory.location.create', { parentId: stock.id, name: `${'ABCDEF'[i % 6]}-${String(i).padStart(2, '0')}` }, as));
  const s = database.sqlite;
  const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const vendor = (s.prepare("SELECT id FROM location WHERE usage = 'vendor'").get() as { id: string }).id;
  const customer = (s.prepare("SELECT id FROM location WHERE usage = 'customer'").get() as { id: string }).id;
  const random = rng(4242);
  const products: { id: string; cost: number; bin: string; onHand: number }[] = [];
  const insertProduct = s.prepare(`INSERT INTO product (id, branch_id, created_at, updated_at, version, sku, name, category_id, uom_id, barcode, list_price_minor, cost_minor, tracking, active, search_text)
    VALUES (?, ?, ?, ?, 1, ?, ?, NULL, ?, NULL, ?, ?, 'none', 1, ?)`);
  const insertMove = s.prepare(`INSERT INTO stock_move (id, branch_id, created_at, updated_at, version, product_id, quantity, from_location_id, to_location_id, lot_id, moved_at, reference, transfer_id, transfer_line_id, unit_cost_minor, value_minor, reversal_of_id, reason)
    VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?, ?, NULL, NULL)`);
  s.pragma('synchronous = OFF');
  s.transaction(() => {
    const at = new Date().toISOString();
    for (let i = 0; i < PRODUCTS; i++) {
      const id = newId();
      const cost = 100 + Math.floor(random() * 5000);
      insertProduct.run(id, branchId, at, at, `INV-${10000 + i}`, `Bench item ${i}`, each.id, cost * 2, cost, `inv-${10000 + i} bench item ${i}`);
      products.push({ id, cost, bin: bins[i % bins.length]!.id, onHand: 0 });
    }
    const start = Date.parse('2025-12-01T00:00:00Z');
    for (let m = 0; m < MOVES; m++) {
      const p = products[Math.floor(random() * random() * PRODUCTS)]!; // skewed: some products move much more
      const when = new Date(start + Math.floor((m / MOVES) * 360 * 86_400_000)).toISOString();
      if (p.onHand < 50) {
        const q = 100;
        insertMove.run(newId(), branchId, when, when, p.id, q, vendor, p.bin, when, 'BENCH-IN', p.cost, q * p.cost);
        p.onHand += q;
      } else {
        const q = 1 + Math.floor(random() * 10);
        insertMove.run(newId(), branchId, when, when, p.id, q, p.bin, customer, when, 'BENCH-OUT', p.cost, -q * p.cost);
        p.onHand -= q;
      }
    }
    deriveStockSummaries(s, at);
  })();
  return finishDataset(s, engine, tmp, file, startedAt, log);
}

const file = await ensureInventoryDataset();
const scratch = join(BENCH_DIR, `inventory-${process.pid}.sqlite`);
copyFileSync(file, scratch);
try {
  const b = await openBenchEngine(scratch);
  const s = b.sqlite;
  const moves = (s.prepare('SELECT count(*) AS n FROM stock_move').get() as { n: number }).n;
  // Fairness: the baselines share the engine's connection, so its pragmas (2 = FULL).
  const pragmas = { journal: s.pragma('journal_mode', { simple: true }), synchronous: s.pragma('synchronous', { simple: true }) };
  if (pragmas.journal !== 'wal' || pragmas.synchronous !== 2) throw new Error(`inventory bench: expected WAL and synchronous=FULL, got ${JSON.stringify(pragmas)}`);
  const wh = (s.prepare("SELECT id FROM warehouse WHERE code = 'WH1'").get() as { id: string }).id;
  const products = s.prepare('SELECT p.id FROM product p JOIN stock_level l ON l.product_id = p.id GROUP BY p.id HAVING SUM(CASE WHEN l.warehouse_id IS NOT NULL THEN l.on_hand ELSE 0 END) > 40 LIMIT 600').all() as { id: string }[];
  log(`inventory: ${moves.toLocaleString('en-US')} moves, ${products.length} products with stock`);

  // Availability: engine call vs the prepared SUM over the same summary rows.
  const rawAvailability = s.prepare('SELECT warehouse_id, SUM(on_hand) AS on_hand, SUM(reserved) AS reserved, SUM(incoming) AS incoming, SUM(outgoing) AS outgoing FROM stock_level WHERE product_id = ? AND warehouse_id IS NOT NULL GROUP BY warehouse_id');
  const avail = await measurePair(
    async (i) => mustOk(await b.engine.call('inventory.availability', { productId: products[i % products.length]!.id }, b.as)),
    (i) => rawAvailability.all(products[i % products.length]!.id),
    { iterations: iterations(5000), warmup: 200, round: 50, budgetMs: 8000, minIterations: 500 },
  );
  const [ae, ar] = [stats(avail.subject), stats(avail.baseline)];
  report({ suite: SUITE, name: 'inventory.availability p50 (1M moves)', valueMs: ae.p50, baseline: { label: 'raw SQL', valueMs: ar.p50 }, target: { text: 'p50<100µs', pass: ae.p50 < 0.1 } });
  report({ suite: SUITE, name: 'inventory.availability p99 (1M moves)', valueMs: ae.p99, baseline: { label: 'raw SQL', valueMs: ar.p99 } });

  // Posting moves: a 100-line receipt created and validated through the bus, vs raw inserts of 100 move rows.
  const each = (s.prepare("SELECT id FROM uom WHERE code = 'EA'").get() as { id: string }).id;
  void each;
  const vendor = (s.prepare("SELECT id FROM location WHERE usage = 'vendor'").get() as { id: string }).id;
  const binRow = s.prepare("SELECT id FROM location WHERE path LIKE 'WH1/Stock/%' LIMIT 1").get() as { id: string };
  const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const insertMove = s.prepare(`INSERT INTO stock_move (id, branch_id, created_at, updated_at, version, product_id, quantity, from_location_id, to_location_id, lot_id, moved_at, reference, transfer_id, transfer_line_id, unit_cost_minor, value_minor, reversal_of_id, reason)
    VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL, ?, 'RAW', NULL, NULL, 100, 100, NULL, NULL)`);
  const LINES = 100;
  const rawPost = s.transaction((i: number) => {
    const at = new Date().toISOString();
    for (let l = 0; l < LINES; l++) insertMove.run(newId(), branchId, at, at, products[(i * LINES + l) % products.length]!.id, 1, vendor, binRow.id, at);
  });
  // Bound, the raw baseline stays the same plain inserts: capture is switched off around it
  // (outside the timed part), so the raw moves are neither captured nor carried by the
  // engine's next mutation, and the raw side pays what it pays unbound.
  const setCapture = s.prepare('UPDATE client_state SET capture = ?');
  const rawPostBound = (i: number): SelfTimed => {
    setCapture.run(0);
    const t0 = performance.now();
    rawPost(i);
    const selfTimedMs = performance.now() - t0;
    setCapture.run(1);
    return { selfTimedMs };
  };
  const receiptLines = (i: number) => Array.from({ length: LINES }, (_, l) => ({ productId: products[(i * LINES + l) % products.length]!.id, quantity: 1, unitCostMinor: 100 }));
  const postReceipt = async (i: number) => {
    const t = mustOk(await b.engine.call('inventory.transfer.create', { kind: 'receipt', warehouseId: wh, lines: receiptLines(i), validate: true }, b.as)) as { state: string };
    if (t.state !== 'done') throw new Error(`receipt not done: ${t.state}`);
  };
  const postReceiptInTwo = async (i: number) => {
    const t = mustOk(await b.engine.call('inventory.transfer.create', { kind: 'receipt', warehouseId: wh, lines: receiptLines(i) }, b.as)) as { id: string };
    mustOk(await b.engine.call('inventory.transfer.validate', { id: t.id }, b.as));
  };
  const reportPosting = (name: string, post: { subject: number[]; baseline: number[] }, extra: string, targeted = true) => {
    const [pe, pr] = [stats(post.subject), stats(post.baseline)];
    const engineRate = (LINES / pe.p50) * 1000;
    const rawRate = (LINES / pr.p50) * 1000;
    report({
      suite: SUITE,
      name,
      valueMs: pe.p50,
      baseline: { label: 'raw INSERTs', valueMs: pr.p50 },
      ...(targeted ? { target: { text: '≥1/4 of raw rate', pass: engineRate >= rawRate / 4 } } : {}),
      note: `${Math.round(engineRate).toLocaleString('en-US')} moves/s vs raw ${Math.round(rawRate).toLocaleString('en-US')}/s (engine also writes transfer, lines, levels, valuation, outbox, audit${extra})`,
    });
  };
  const postOptions = { iterations: iterations(30), warmup: 2, round: 3, budgetMs: 20_000, minIterations: 6 };
  reportPosting('post moves: receive 100 lines p50', await measurePair(postReceipt, (i) => rawPost(i), postOptions), '');
  reportPosting('receipt as create + validate (2 commands) p50', await measurePair((i) => postReceiptInTwo(i + 500), (i) => rawPost(i + 500), postOptions), ', two commits', false);
  // Bound to a centre: the capture triggers record each row written and the outbox carries its image.
  s.prepare('UPDATE client_state SET capture = 1').run();
  reportPosting('post moves, bound install (capture on) p50', await measurePair((i) => postReceipt(i + 1000), (i) => rawPostBound(i + 1000), postOptions), ', row images');
  s.prepare('UPDATE client_state SET capture = 0').run();

  // Reserving a 20-line order: create + confirm (reservation at confirmation) through the bus.
  const rawReserve = s.prepare('UPDATE stock_level SET reserved = reserved + 0 WHERE product_id = ? AND location_id = ?');
  const levelOf = s.prepare('SELECT location_id FROM stock_level WHERE product_id = ? AND warehouse_id IS NOT NULL AND on_hand > 0 LIMIT 1');
  const rawReserveTx = s.transaction((i: number) => {
    for (let l = 0; l < 20; l++) {
      const pid = products[(i * 20 + l) % products.length]!.id;
      const loc = levelOf.get(pid) as { location_id: string };
      rawReserve.run(pid, loc.location_id);
    }
  });
  // The commit floor on this machine and file: a transaction with one tiny write (a probe
  // table in this scratch copy), durable like every command; beside it the same commit with
  // 50 pages written (one 3 KB probe row per page), about what reserving a 20-line delivery
  // writes (transfer, lines, reservations, levels, outbox, audit and their indexes: ~45-55
  // pages) — the part of its commit that grows with what it writes.
  s.exec('CREATE TABLE IF NOT EXISTS bench_commit_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL, n INTEGER NOT NULL)');
  s.exec('WITH RECURSIVE k(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM k WHERE id < 50) INSERT OR IGNORE INTO bench_commit_probe (id, pad, n) SELECT id, zeroblob(3000), 0 FROM k');
  const bumpProbe = s.prepare('UPDATE bench_commit_probe SET n = n + 1 WHERE id = ?');
  const probeCommit = s.transaction((pages: number) => {
    for (let id = 1; id <= pages; id++) bumpProbe.run(id);
  });
  const floor = await measurePair(() => probeCommit(1), () => probeCommit(50), { iterations: iterations(300), warmup: 10, round: 10, budgetMs: 5000, minIterations: 60 });
  const [fe, fr] = [stats(floor.subject), stats(floor.baseline)];
  report({ suite: SUITE, name: 'commit floor: one tiny durable write p50', valueMs: fe.p50, baseline: { label: 'same, 50 pages', valueMs: fr.p50 }, note: 'no target: what any command pays to commit here (WAL, synchronous=FULL)' });

  const reserve = await measurePair(
    async (i) => {
      const lines = Array.from({ length: 20 }, (_, l) => ({ productId: products[(i * 20 + l) % products.length]!.id, quantity: 1 }));
      mustOk(await b.engine.call('inventory.transfer.create', { kind: 'delivery', warehouseId: wh, channelCode: 'rep', lines }, b.as));
    },
    (i) => rawReserveTx(i),
    { iterations: iterations(200), warmup: 5, round: 10, budgetMs: 15_000, minIterations: 40 },
  );
  const [re, rr] = [stats(reserve.subject), stats(reserve.baseline)];
  report({ suite: SUITE, name: 'reserve a 20-line delivery p50', valueMs: re.p50, baseline: { label: 'raw 20 level updates', valueMs: rr.p50 }, target: { text: 'p50<2ms', pass: re.p50 < 2 } });

  // Confirming a 20-line sales order (sales.order.create with confirm: pricing, credit,
  // routing, the delivery flow and its reservations) — the sales target rides on the same path.
  const orders = await prepareOrderBench(b.engine, b.as, { lines: 20, tag: `IB${process.pid % 1000}` });
  const confirm = await measurePair(
    async () => {
      await orders.createAndConfirm();
    },
    (i) => rawReserveTx(i),
    { iterations: iterations(200), warmup: 5, round: 10, budgetMs: 15_000, minIterations: 40 },
  );
  const [ce, cr] = [stats(confirm.subject), stats(confirm.baseline)];
  report({ suite: SUITE, name: 'sales order create+confirm, 20 lines p50', valueMs: ce.p50, baseline: { label: 'raw 20 level updates', valueMs: cr.p50 }, target: { text: 'p50<5ms', pass: ce.p50 < 5 } });

  // Wave of 500 ready deliveries.
  const waveTimes: number[] = [];
  const rawWave = s.prepare("SELECT t.id FROM transfer t JOIN location f ON f.id = t.from_location_id WHERE t.warehouse_id = ? AND t.state = 'ready' AND t.wave_id IS NULL AND f.zone = 'stock' ORDER BY COALESCE(t.carrier_cutoff, '9999'), t.priority_rank, t.order_value_minor DESC LIMIT 500");
  const rawTimes: number[] = [];
  for (let rep = 0; rep < (process.env.BENCH_QUICK ? 1 : 3); rep++) {
    for (let i = 0; i < 500; i++) {
      mustOk(await b.engine.call('inventory.transfer.create', { kind: 'delivery', warehouseId: wh, carrier: 'DHL', lines: [{ productId: products[(rep * 500 + i) % products.length]!.id, quantity: 1 }, { productId: products[(rep * 500 + i + 7) % products.length]!.id, quantity: 1 }] }, b.as));
    }
    rawTimes.push(...(await measure(() => rawWave.all(wh), 1)));
    const t0 = performance.now();
    const wave = mustOk(await b.engine.call('inventory.wave.build', { warehouseId: wh, carrier: 'DHL', maxTransfers: 500 }, b.as)) as { transfers: unknown[]; pickList: unknown[] };
    waveTimes.push(performance.now() - t0);
    if (wave.transfers.length !== 500) throw new Error(`wave bench: expected 500 transfers, got ${wave.transfers.length}`);
  }
  const [we, wr] = [stats(waveTimes), stats(rawTimes)];
  report({ suite: SUITE, name: 'build a wave of 500 deliveries', valueMs: we.p50, baseline: { label: 'raw candidate SELECT', valueMs: wr.p50 }, target: { text: '<200ms', pass: we.p50 < 200 }, note: 'includes numbering, assigning and the pick list' });
  await b.close();
} finally {
  for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
}

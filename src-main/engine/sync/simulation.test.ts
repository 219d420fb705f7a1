import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, clean, createSim, disposeSim, runCase, SimCaseArb, type Sim } from './simulation';

/**
 * The replication proof: three branches and a centre, random work on each branch — warehouse
 * (receipts, deliveries that reserve, partial and full validations with and without
 * backorders, cancellations, inter-warehouse transfers, adjustments, allocation), imports and
 * tickets, order to cash (orders with approvals and credit holds, shipments, invoices,
 * payments), procure to pay (POs approved, sent, confirmed, received, billed with the
 * three-way match), returns (RMA to credit note or refund) and a branch's period close — random
 * network cuts and sync orders; after healing, everything agrees, nothing is lost and the
 * books hold (balanced entries, trial balance, receivables = open invoices, stock accounts =
 * stock value) on every branch and at the centre.
 * CI runs 200 cases with a fixed seed (override with FC_SEED); `npm run test:soak` runs
 * 2,000 (or BRANCHLINE_SOAK_RUNS) with a fresh seed, printed so a failure can be replayed.
 */
const soakRuns = Number(process.env.BRANCHLINE_SOAK_RUNS ?? (process.env.npm_lifecycle_event === 'test:soak' ? 2000 : 0));
const runs = soakRuns > 0 ? soakRuns : 200;
const seed = Number(process.env.FC_SEED ?? (soakRuns > 0 ? Date.now() % 1e9 : 20_260_417));
/**
 * The commands of the business steps (BUSINESS_KINDS) counted when they committed: sales order
 * (clerk's discount approved), warehouse shipment, invoice, payment, purchase order (approved,
 * sent, confirmed by hand or by the vendor's 855), PO receipt, landed cost, vendor bill (a held one
 * approved), replenishment run, return (received, inspected, resolved), branch close, drop ship
 * (confirmed, shipped by the vendor).
 */
const COMMITTED_KINDS = [
  'order', 'approve', 'ship', 'invoice', 'pay', 'purchase', 'poApprove', 'poSend', 'poConfirm', 'poAck', 'receive', 'landedCost', 'bill', 'billApprove', 'replenish',
  'rma', 'rmaReceive', 'rmaInspect', 'rmaResolve', 'close', 'dropship', 'dropshipShip', 'sharedLot', 'customerEdit', 'preferredVendor', 'vendorPrice',
];
/** Every this many cases (and after the last), the whole database is compared, not only the case's rows. */
const FULL_CHECK_EVERY = 50;

describe('multi-branch replication simulation (fast-check)', () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await createSim();
  }, 120_000);
  afterAll(async () => {
    if (sim) await disposeSim(sim);
  });

  it(`${runs} random cases converge: rows agree, summary = ledger, numbers unique, nothing lost, exceptions where stock was sold twice`, async () => {
    const started = Date.now();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(SimCaseArb, async (c) => {
        const scope = await runCase(sim, c);
        const report = await checkInvariants(sim, scope);
        if (!clean(report)) throw new Error(`Invariants broken:\n${JSON.stringify(report, null, 2).slice(0, 6000)}`);
        cases++;
        if (cases % FULL_CHECK_EVERY === 0) {
          const full = await checkInvariants(sim, null);
          if (!clean(full)) throw new Error(`Whole-database check failed after ${cases} cases:\n${JSON.stringify(full, null, 2).slice(0, 6000)}`);
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    const full = await checkInvariants(sim, null);
    expect(full).toMatchObject({ rowDifferences: [], ledgerDifferences: [], duplicateNumbers: [], missing: [], stockRule: [], pending: [], quarantined: 0, books: [] });
    console.info(
      `simulation: ${runs} cases (seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s — ${sim.stats.commands} commands (${sim.stats.refused} refused by business rules), ${sim.stats.syncs} syncs, ${sim.stats.quiesceRounds} healing rounds, ${sim.stats.stockExceptions} stock exceptions raised at merge`,
    );
    console.info(`simulation: committed ${JSON.stringify(sim.stats.committed)}`);
    console.info(`simulation: seconds by step kind and check ${JSON.stringify(Object.fromEntries(Object.entries(sim.stats.ms).map(([k, v]) => [k, Math.round(v / 100) / 10])))}`);
    expect(sim.stats.stockExceptions).toBeGreaterThan(0);
    // Every business command of the simulated flows went through many times (not only tried and refused).
    const atLeast = Math.max(3, Math.floor(runs / 40));
    expect(COMMITTED_KINDS.filter((kind) => (sim.stats.committed[kind] ?? 0) < atLeast).map((kind) => `${kind}: ${sim.stats.committed[kind] ?? 0} < ${atLeast}`)).toEqual([]);
  }, Math.max(900_000, runs * 3_000));
});

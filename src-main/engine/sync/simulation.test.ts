import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, clean, createSim, disposeSim, runCase, SimCaseArb, type Sim } from './simulation';

/**
 * The replication proof: three branches and a centre, random warehouse work on each branch
 * (receipts, deliveries that reserve, partial and full validations with and without
 * backorders, cancellations, inter-warehouse transfers, adjustments, allocation), random
 * network cuts and sync orders; after healing, everything agrees and nothing is lost.
 * CI runs 200 cases with a fixed seed (override with FC_SEED); `npm run test:soak` runs
 * 2,000 (or BRANCHLINE_SOAK_RUNS) with a fresh seed, printed so a failure can be replayed.
 */
const soakRuns = Number(process.env.BRANCHLINE_SOAK_RUNS ?? (process.env.npm_lifecycle_event === 'test:soak' ? 2000 : 0));
const runs = soakRuns > 0 ? soakRuns : 200;
const seed = Number(process.env.FC_SEED ?? (soakRuns > 0 ? Date.now() % 1e9 : 20_260_417));
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
    expect(full).toMatchObject({ rowDifferences: [], ledgerDifferences: [], duplicateNumbers: [], missing: [], stockRule: [], pending: [], quarantined: 0 });
    console.info(
      `simulation: ${runs} cases (seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s — ${sim.stats.commands} commands (${sim.stats.refused} refused by business rules), ${sim.stats.syncs} syncs, ${sim.stats.quiesceRounds} healing rounds, ${sim.stats.stockExceptions} stock exceptions raised at merge`,
    );
    expect(sim.stats.stockExceptions).toBeGreaterThan(0);
  }, Math.max(900_000, runs * 3_000));
});

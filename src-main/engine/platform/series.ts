import { newRowMeta, type CommandContext } from './context';
import { type Db, dialectOf, type Tx } from './db';
import { preparedQuery } from './prepared';

// Compiled once: nearly every command numbers a document (Kysely rebuilt these on every call).
const takeNumber = preparedQuery<{ prefix: string; now: string }, { next_number: number }>(['prefix', 'now'], (db, p) =>
  db
    .updateTable('document_series')
    .set((eb) => ({ next_number: eb('next_number', '+', 1), updated_at: p.now, version: eb('version', '+', 1) }))
    .where('prefix', '=', p.prefix)
    .returning('next_number'),
);
const codeOfBranch = preparedQuery<{ branchId: string }, { code: string }>(['branchId'], (db, p) => db.selectFrom('branch').select('code').where('id', '=', p.branchId));

/**
 * Takes the next document number of a series (e.g. `B01-WH1-OUT-2026-000042`) inside the
 * command's transaction, so numbers are gapless per series and assigned offline. The
 * number is for people; the row's UUID stays its identity.
 */
export async function nextDocumentNumber(ctx: CommandContext, prefix: string, width = 6): Promise<string> {
  const tally = talliesByCommand.get(ctx);
  if (tally) return `${prefix}${String(await takeDeferred(ctx, tally, prefix)).padStart(width, '0')}`;
  const taken = await takeNumber.first(ctx.db, { prefix, now: ctx.now });
  let number: number;
  if (taken) {
    number = Number(taken.next_number) - 1;
  } else {
    await ctx.db
      .insertInto('document_series')
      .values({ ...newRowMeta(ctx), prefix, next_number: 2 })
      .execute();
    number = 1;
  }
  return `${prefix}${String(number).padStart(width, '0')}`;
}

// --- numbers taken in memory, written once at the end of a long command --------------------

/** A series while its numbers are taken in memory: the next number, how many were taken, whether its row exists. */
interface SeriesTally {
  next: number;
  taken: number;
  exists: boolean;
}
type Tallies = Map<string, SeriesTally>;
const talliesByCommand = new WeakMap<CommandContext, Tallies>();

const readNext = preparedQuery<{ prefix: string }, { next_number: number }>(['prefix'], (db, p) => db.selectFrom('document_series').select('next_number').where('prefix', '=', p.prefix));
const writeNext = preparedQuery<{ prefix: string; next: number; taken: number; now: string }, never>(['prefix', 'next', 'taken', 'now'], (db, p) =>
  db
    .updateTable('document_series')
    .set((eb) => ({ next_number: p.next, updated_at: p.now, version: eb('version', '+', p.taken) }))
    .where('prefix', '=', p.prefix),
);

async function takeDeferred(ctx: CommandContext, tally: Tallies, prefix: string): Promise<number> {
  let t = tally.get(prefix);
  if (!t) {
    const row = await readNext.first(ctx.db, { prefix });
    t = { next: row ? Number(row.next_number) : 1, taken: 0, exists: !!row };
    tally.set(prefix, t);
  }
  t.taken++;
  return t.next++;
}

export interface DeferredNumbers {
  /** Where the series stand now, to come back to if what follows is rolled back. */
  mark(): Tallies;
  /** Forgets the numbers taken since `mark` (the work that took them was rolled back): the next ones are the same numbers again. */
  restore(mark: Tallies): void;
  /** Writes each series' next number (one statement per series) and ends the deferral. */
  flush(): Promise<void>;
}

/**
 * For a command that numbers many documents one after another (an import chunk's orders,
 * deliveries, invoices and payments): numbers are taken in memory from the series' rows (read
 * once each) and written once, by `flush`, which the caller runs before its command ends.
 * Still gapless and in order: work rolled back (a savepoint) hands its numbers back with
 * `restore`, and the same command takes them next. The rows end as the one-by-one updates
 * would leave them (next number, version counted per number taken).
 */
export function deferDocumentNumbers(ctx: CommandContext): DeferredNumbers {
  const tally: Tallies = new Map();
  talliesByCommand.set(ctx, tally);
  const copy = (from: Tallies) => new Map([...from].map(([k, v]) => [k, { ...v }]));
  return {
    mark: () => copy(tally),
    restore(mark) {
      tally.clear();
      for (const [k, v] of copy(mark)) tally.set(k, v);
    },
    async flush() {
      talliesByCommand.delete(ctx);
      for (const [prefix, t] of tally) {
        if (t.taken === 0) continue;
        if (t.exists) await writeNext.execute(ctx.db, { prefix, next: t.next, taken: t.taken, now: ctx.now });
        else await ctx.db.insertInto('document_series').values({ ...newRowMeta(ctx), version: t.taken, prefix, next_number: t.next }).execute();
      }
      tally.clear();
    },
  };
}

/** Found branch codes per running command: an imported order asks four times (order, delivery, numbers). */
const codeOfCommand = new WeakMap<CommandContext, string>();

/** The code of this install's branch, for document prefixes. */
export async function branchCode(ctx: CommandContext): Promise<string> {
  const known = codeOfCommand.get(ctx);
  if (known) return known;
  const row = await codeOfBranch.first(ctx.db, { branchId: ctx.branchId });
  // Only a found code is kept: first-run setup creates the branch inside the same command.
  if (row) codeOfCommand.set(ctx, row.code);
  return row?.code ?? 'B00';
}

const captureState = preparedQuery<{ none: 0 }, { capture: number }>([], (db) => db.selectFrom('client_state').select('capture').where('singleton', '=', 1));

/** Whether this install is a branch bound to a centre (its writes are captured for push). */
export async function boundToCentre(db: Db | Tx): Promise<boolean> {
  if (dialectOf(db) !== 'sqlite') return false;
  return (await captureState.first(db, { none: 0 }))?.capture === 1;
}

import { newRowMeta, type CommandContext } from './context';
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

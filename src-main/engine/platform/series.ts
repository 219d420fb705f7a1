import { newRowMeta, type CommandContext } from './context';

/**
 * Takes the next document number of a series (e.g. `B01-WH1-OUT-2026-000042`) inside the
 * command's transaction, so numbers are gapless per series and assigned offline. The
 * number is for people; the row's UUID stays its identity.
 */
export async function nextDocumentNumber(ctx: CommandContext, prefix: string, width = 6): Promise<string> {
  const taken = await ctx.db
    .updateTable('document_series')
    .set((eb) => ({ next_number: eb('next_number', '+', 1), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('prefix', '=', prefix)
    .returning('next_number')
    .executeTakeFirst();
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
  const row = await ctx.db.selectFrom('branch').select('code').where('id', '=', ctx.branchId).executeTakeFirst();
  // Only a found code is kept: first-run setup creates the branch inside the same command.
  if (row) codeOfCommand.set(ctx, row.code);
  return row?.code ?? 'B00';
}

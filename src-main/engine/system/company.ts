import type { CommandContext } from '../platform/context';

/** Creates the company and this install's branch, and binds the install to that branch. */
export async function createCompanyAndBranch(ctx: CommandContext, names: { companyName: string; branchCode: string; branchName: string; demo: boolean }) {
  const companyId = ctx.newId();
  const branchId = ctx.newId();
  const meta = { branch_id: branchId, created_at: ctx.now, updated_at: ctx.now, version: 1 };
  await ctx.db.insertInto('company').values({ id: companyId, name: names.companyName, currency: 'USD', ...meta }).execute();
  await ctx.db.insertInto('branch').values({ id: branchId, company_id: companyId, code: names.branchCode, name: names.branchName, ...meta }).execute();
  await ctx.db.updateTable('client_state').set({ branch_id: branchId, demo: names.demo ? 1 : 0 }).where('singleton', '=', 1).execute();
  ctx.branchId = branchId;
  return { companyId, branchId };
}


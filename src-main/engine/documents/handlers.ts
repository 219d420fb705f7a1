import { defineHandlers, type QueryContext } from '../platform/context';
import { notFound } from '../platform/errors';
import { loadWave } from '../inventory/waves';
import { type PickListData, renderPickListPdf } from './pick-list-pdf';

/** Gathers what a printed pick list shows: the wave (pick list in walking order), company, branch, warehouse. */
export async function pickListData(ctx: Pick<QueryContext, 'db' | 'install' | 'actor'>, waveId: string, now = new Date().toISOString()): Promise<PickListData> {
  const wave = await loadWave(ctx.db, waveId);
  const wh = await ctx.db.selectFrom('warehouse').select(['code', 'name']).where('id', '=', wave.warehouseId).executeTakeFirst();
  if (!wh) throw notFound('Warehouse');
  let branchQuery = ctx.db.selectFrom('branch as b').innerJoin('company as c', 'c.id', 'b.company_id').select(['b.code', 'b.name', 'c.name as company_name']);
  if (ctx.install.branchId) branchQuery = branchQuery.where('b.id', '=', ctx.install.branchId);
  const branch = await branchQuery.orderBy('b.created_at').executeTakeFirst();
  return {
    companyName: branch?.company_name ?? 'Branchline',
    branchCode: branch?.code ?? '',
    branchName: branch?.name ?? '',
    warehouseCode: wh.code,
    warehouseName: wh.name,
    waveNumber: wave.number,
    waveState: wave.state,
    carrier: wave.carrier,
    zone: wave.zone,
    cutoffBefore: wave.cutoffBefore,
    transferNumbers: wave.transfers.map((t) => t.number),
    rows: wave.pickList,
    printedAt: now,
    printedBy: ctx.actor.username,
  };
}

export const documentsHandlers = defineHandlers({
  'documents.pickList': async (ctx, input) => {
    const data = await pickListData(ctx, input.waveId);
    const bytes = await renderPickListPdf(data);
    return { filename: `pick-list-${data.waveNumber}.pdf`, contentType: 'application/pdf' as const, base64: bytes.toString('base64') };
  },
});

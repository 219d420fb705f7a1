/** `branchline replenish`: the replenishment run from the command line (and for schedulers such as cron). */
import type { OutputOf } from '../../src-shared/contract/index';
import { withEngine, actingUserId } from './commands';
import { CliError } from './common';

export type ReplenishResult = OutputOf<'purchasing.replenish.run'>;

export async function replenish(dbFile: string, options: { warehouse?: string; dryRun: boolean; user?: string; progress?: (line: string) => void }): Promise<ReplenishResult> {
  return withEngine(dbFile, async (engine) => {
    const userId = await actingUserId(engine, dbFile, options.user);
    let warehouseId: string | undefined;
    if (options.warehouse) {
      const code = options.warehouse.trim().toUpperCase();
      const wh = await engine.database.db.selectFrom('warehouse').select('id').where('code', '=', code).executeTakeFirst();
      if (!wh) {
        const codes = (await engine.database.db.selectFrom('warehouse').select('code').orderBy('code').execute()).map((w) => w.code);
        throw new CliError(`There is no warehouse ${code}; warehouses are ${codes.join(', ') || '(none)'}`, 2);
      }
      warehouseId = wh.id;
    }
    const off = engine.onEvent((e) => {
      if (e.type === 'progress' && e.task === 'replenish') options.progress?.(`replenish: ${e.done}/${e.total} rules`);
    });
    try {
      const envelope = await engine.call('purchasing.replenish.run', { warehouseId, dryRun: options.dryRun }, { userId });
      if (!envelope.ok) throw new CliError(`${envelope.error.code}: ${envelope.error.message}`);
      return envelope.value as ReplenishResult;
    } finally {
      off();
    }
  });
}

/** The human summary: one line per proposal, then the orders made. */
export function describeReplenishment(r: ReplenishResult): string {
  const lines = [`${r.dryRun ? 'Dry run: ' : `${r.number}: `}${r.productsChecked} rule(s) checked, ${r.proposals.length} proposal(s), ${r.inReview} to review`];
  for (const p of r.proposals) {
    lines.push(`  ${p.kind === 'buy' ? 'BUY ' : 'MOVE'} ${p.sku} → ${p.warehouseCode}: ${p.quantity}${p.vendorName ? ` from ${p.vendorName}` : ''}${p.exception ? ` [${p.exception}]` : ''} — ${p.reason}`);
  }
  for (const o of r.ordersCreated) lines.push(`  draft ${o.number} for ${o.vendorName}: ${o.lines} line(s)`);
  if (r.transfersCreated) lines.push(`  ${r.transfersCreated} inter-warehouse transfer(s)`);
  return lines.join('\n');
}

import type { ImportReport } from './contract/imports';
import type { InputOf } from './contract/index';

type Call = <M extends 'imports.stage' | 'imports.apply' | 'imports.cancel' | 'imports.get'>(method: M, input: InputOf<M>) => Promise<ImportReport>;

/**
 * Runs an import the way every host does (the CLI, the Imports screen, the bench): stage the file, then apply it chunk by chunk (each
 * chunk one command; each order all or nothing), reporting progress; an abort cancels the
 * rest (orders already applied stay). Each chunk is applied at once (no savepoint per order),
 * and again order by order when one of its orders is refused. Ends with the full report.
 */
export async function runImport(
  call: Call,
  input: InputOf<'imports.stage'>,
  options: { chunk?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; reportRows?: number } = {},
): Promise<ImportReport> {
  let r = await call('imports.stage', input);
  if (r.duplicateOfBatchId) return r;
  const total = r.batch.total;
  options.onProgress?.(total - r.remaining, total);
  while (r.remaining > 0) {
    if (options.signal?.aborted) {
      await call('imports.cancel', { batchId: r.batch.id });
      break;
    }
    const chunk = { batchId: r.batch.id, limit: options.chunk ?? 250 };
    // At once first (no savepoint per order); a chunk with a refused order is refused whole and applied again order by order.
    r = await call('imports.apply', { ...chunk, atOnce: true }).catch((e: { code?: string; details?: { reapply?: string } }) => {
      if (e?.code === 'CONFLICT' && e.details?.reapply === 'order_by_order') return call('imports.apply', chunk);
      throw e;
    });
    options.onProgress?.(total - r.remaining, total);
  }
  return call('imports.get', { batchId: r.batch.id, limit: options.reportRows ?? 10_000 });
}

import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { type importsContract, MAX_IMPORT_BYTES } from '../../../src-shared/contract/imports';
import type { CommandContext } from '../platform/context';
import { newRowMeta } from '../platform/context';
import { DomainError } from '../platform/errors';
import { preparedInsertMany } from '../platform/batch';
import { ordersFromX12 } from './edi';
import { ordersFromJson } from './json';
import { readMapping } from './mapping';
import type { ParsedOrder } from './model';
import type { ImportOrderTable } from './schema';
import { ordersFromRows, readCsv, readXlsx } from './tabular';

const IMPORT_ORDER_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'batch_id', 'seq', 'ref', 'source', 'idem_key', 'status', 'hold_kind', 'message', 'errors', 'unmapped', 'payload', 'order_id', 'order_number'] as const satisfies readonly (keyof ImportOrderTable)[];
const insertImportOrders = preparedInsertMany<'import_order', ImportOrderTable & Record<string, unknown>>('import_order', IMPORT_ORDER_COLUMNS);

type StageInput = z.output<(typeof importsContract)['imports.stage']['input']>;
type Format = 'csv' | 'xlsx' | 'json' | 'x12';

function formatOf(input: StageInput): Format {
  if (input.format) return input.format;
  const ext = /\.([a-z0-9]+)$/i.exec(input.fileName)?.[1]?.toLowerCase();
  if (input.kind === 'edi') return 'x12';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'json') return 'json';
  if (ext === 'csv' || ext === 'txt' || ext === 'tsv') return 'csv';
  throw new DomainError('VALIDATION', `Cannot tell the format of "${input.fileName}": use a .csv, .xlsx or .json file, or say the format`, { fields: [{ path: 'format', message: 'Unknown format' }] });
}

/**
 * Reads a file into a batch of orders to apply: each one parsed and checked on its own (a
 * malformed one is rejected with its line or segment; the others go on). The same file again
 * (same SHA-256) stages nothing and answers with the batch it already made.
 */
export async function stageImport(ctx: CommandContext, input: StageInput): Promise<{ batchId: string; duplicate: boolean }> {
  const data = input.encoding === 'base64' ? Buffer.from(input.content, 'base64') : Buffer.from(input.content, 'utf8');
  if (data.length > MAX_IMPORT_BYTES) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `The file is ${(data.length / 1024 / 1024).toFixed(1)} MB; imports take files up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files.`, { fields: [{ path: 'content', message: 'File too large' }] });
  }
  if (data.length === 0) throw new DomainError('VALIDATION', 'The file is empty', { fields: [{ path: 'content', message: 'Empty file' }] });
  const sha = createHash('sha256').update(data).digest('hex');
  const before = await ctx.db.selectFrom('import_batch').select(['id']).where('file_sha256', '=', sha).where('state', '!=', 'cancelled').orderBy('created_at').executeTakeFirst();
  if (before) return { batchId: before.id, duplicate: true };

  const format = formatOf(input);
  const channelCode = input.kind === 'edi' ? 'edi' : input.channelCode;
  if (!channelCode) throw new DomainError('VALIDATION', 'Channel: say which channel the orders come from', { fields: [{ path: 'channelCode', message: 'Required for order files' }] });
  if (input.kind === 'edi' && format !== 'x12') throw new DomainError('VALIDATION', 'EDI imports read X12 files', { fields: [{ path: 'format', message: 'Use x12' }] });
  if (input.kind === 'orders' && format === 'x12') throw new DomainError('VALIDATION', 'X12 files are imported as EDI (branchline import edi FILE)', { fields: [{ path: 'kind', message: 'Use edi' }] });

  const mapping = await readMapping(ctx.db, channelCode);
  let parsed: ParsedOrder[];
  if (format === 'x12') parsed = ordersFromX12(data.toString('latin1'));
  else if (format === 'json') parsed = ordersFromJson(data.toString('utf8'), channelCode, mapping.paid);
  else if (format === 'xlsx') parsed = ordersFromRows(await readXlsx(data), mapping, channelCode);
  else parsed = ordersFromRows(readCsv(data.toString('utf8'), mapping.delimiter), mapping, channelCode);
  if (parsed.length === 0) throw new DomainError('VALIDATION', 'The file holds no orders');

  const batchId = ctx.newId();
  await ctx.db
    .insertInto('import_batch')
    .values({ ...newRowMeta(ctx, batchId), kind: input.kind, format, channel_code: channelCode, file_name: input.fileName, file_sha256: sha, file_bytes: data.length, state: 'staged', total: parsed.length, created_by: ctx.actor.username, finished_at: null })
    .execute();
  const rows: ImportOrderTable[] = parsed.map((p, seq) => ({
    batch_id: batchId,
    seq,
    ref: p.ref.slice(0, 200),
    source: p.source.slice(0, 200),
    idem_key: p.order?.idemKey ?? null,
    status: p.order ? 'pending' : 'rejected',
    hold_kind: null,
    message: p.order ? null : p.errors.map((e) => `${e.location}: ${e.message}`).slice(0, 3).join('; ') + (p.errors.length > 3 ? ` (and ${p.errors.length - 3} more)` : ''),
    errors: JSON.stringify(p.errors.slice(0, 200)),
    unmapped: '[]',
    payload: JSON.stringify(p.order),
    order_id: null,
    order_number: null,
    // Spread last: a leading spread is slow on Node 20 (sales/orders.ts insertLines).
    ...newRowMeta(ctx),
  }));
  // Statements compiled once (Kysely would build and compile a 500-row insert anew each time).
  await insertImportOrders(ctx.db, rows as (ImportOrderTable & Record<string, unknown>)[]);
  return { batchId, duplicate: false };
}

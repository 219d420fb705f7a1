import { CompiledQuery, sql } from 'kysely';
import type { ImportReport } from '../../../src-shared/contract/imports';
import { defineHandlers, newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { compileRows, deferRows, inChunks, type RowsStatement } from '../platform/batch';
import { deferDocumentNumbers } from '../platform/series';
import { deferPostings } from '../finance/ledger';
import { applyImportedOrder, findCustomer, newApplySession, prepareChunk, rejection, writeImportKeys, type Outcome } from './apply';
import { readMapping } from './mapping';
import type { ImportedOrder } from './model';
import { ediOnShipped } from './outbound';
import type { ImportBatchTable, ImportOrderTable } from './schema';
import { stageImport } from './stage';
import { norm, readCsv, readXlsx } from './tabular';

type OrderRow = Pick<ImportOrderTable, 'id' | 'seq' | 'ref' | 'source' | 'status' | 'hold_kind' | 'message' | 'errors' | 'unmapped' | 'order_id' | 'order_number'>;
const ORDER_COLUMNS = ['id', 'seq', 'ref', 'source', 'status', 'hold_kind', 'message', 'errors', 'unmapped', 'order_id', 'order_number'] as const;

function toOrder(r: OrderRow): ImportReport['orders'][number] {
  return {
    id: r.id,
    seq: r.seq,
    ref: r.ref,
    source: r.source,
    status: r.status,
    holdKind: (r.hold_kind as ImportReport['orders'][number]['holdKind']) ?? null,
    message: r.message,
    errors: JSON.parse(r.errors),
    unmapped: JSON.parse(r.unmapped),
    orderId: r.order_id,
    orderNumber: r.order_number,
  };
}

async function batchRow(db: Db | Tx, id: string): Promise<ImportBatchTable> {
  const b = await db.selectFrom('import_batch').selectAll().where('id', '=', id).executeTakeFirst();
  if (!b) throw notFound('Import');
  return b;
}

async function countsOf(db: Db | Tx, batchId: string) {
  const rows = await db.selectFrom('import_order').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('batch_id', '=', batchId).groupBy('status').execute();
  const counts = { pending: 0, accepted: 0, held: 0, rejected: 0, duplicate: 0, cancelled: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

async function batchView(db: Db | Tx, b: ImportBatchTable): Promise<ImportReport['batch']> {
  return {
    id: b.id,
    kind: b.kind,
    format: b.format,
    channelCode: b.channel_code as ImportReport['batch']['channelCode'],
    fileName: b.file_name,
    fileBytes: Number(b.file_bytes),
    state: b.state,
    total: b.total,
    createdBy: b.created_by,
    createdAt: b.created_at,
    finishedAt: b.finished_at,
    counts: await countsOf(db, b.id),
  };
}

async function report(db: Db | Tx, batchId: string, orders: OrderRow[], duplicateOf: string | null = null): Promise<ImportReport> {
  const batch = await batchView(db, await batchRow(db, batchId));
  return { batch, duplicateOfBatchId: duplicateOf, orders: orders.map(toOrder), remaining: batch.counts.pending };
}

const pick = (db: Db | Tx) => db.selectFrom('import_order').select([...ORDER_COLUMNS]);

/** One import row's outcome as written. */
interface OutcomeRow {
  id: string;
  status: string;
  holdKind: string | null;
  message: string;
  errors: string;
  unmapped: string;
  orderId: string | null;
  orderNumber: string | null;
}
const OUTCOME_COLUMNS = ['id', 'status', 'holdKind', 'message', 'errors', 'unmapped', 'orderId', 'orderNumber'] as const;

/** `UPDATE import_order … FROM (VALUES …)`: the outcomes of `size` orders in one statement. */
const outcomeStatements = new Map<number, RowsStatement<OutcomeRow, { now: string }>>();
function setOutcomes(size: number): RowsStatement<OutcomeRow, { now: string }> {
  let st = outcomeStatements.get(size);
  if (!st) {
    st = compileRows<OutcomeRow, { now: string }>(size, OUTCOME_COLUMNS, ['now'], (db, rows, p) => {
      const values = rows.map((r) => sql`(${sql.join(OUTCOME_COLUMNS.map((c) => sql`${r[c]}`))})`);
      const query = sql`UPDATE import_order SET status = v.column2, hold_kind = v.column3, message = v.column4, errors = v.column5, unmapped = v.column6,
        order_id = v.column7, order_number = v.column8, updated_at = ${p.now}, version = import_order.version + 1
        FROM (VALUES ${sql.join(values)}) AS v WHERE import_order.id = v.column1`;
      return { compile: () => query.compile(db) };
    });
    outcomeStatements.set(size, st);
  }
  return st;
}

const SAVEPOINT = CompiledQuery.raw('SAVEPOINT import_order');
const RELEASE = CompiledQuery.raw('RELEASE SAVEPOINT import_order');
const ROLLBACK = CompiledQuery.raw('ROLLBACK TO SAVEPOINT import_order');

/** Why an `atOnce` chunk was refused as a whole: its caller applies it again order by order. */
export const REAPPLY_ORDER_BY_ORDER = 'order_by_order';

/**
 * Applies import orders, each whole or not at all; the command's one transaction still carries
 * the outbox mutation and the audit entry of the whole chunk. What every order would read is
 * read once for the chunk first (prepareChunk); the outcomes, the import keys, the new orders'
 * rows (order, lines, invoice, payment, notice: deferRows), the journal entries and the
 * document numbers are written together at the end.
 *  - Order by order (the default): each order in a savepoint; a refusal rolls back exactly that
 *    order, which is reported rejected.
 *  - `atOnce`: no savepoint per order (one costs more than a tenth of an order: SQLite copies
 *    every page the order touches once more); the first refusal fails the whole command, so
 *    nothing of the chunk is written, and the caller applies the chunk again order by order
 *    (the driver does, imports/README.md "Speed").
 */
async function applyRows(ctx: CommandContext, b: ImportBatchTable, rows: { id: string; payload: string }[], atOnce = false): Promise<Map<string, Outcome>> {
  const mapping = await readMapping(ctx.db, b.channel_code);
  const session = newApplySession();
  const results = new Map<string, Outcome>();
  const total = b.total;
  let done = total - (await countsOf(ctx.db, b.id)).pending;
  const orders = rows.map((r) => JSON.parse(r.payload) as ImportedOrder | null);
  await prepareChunk(ctx, session, orders, b.channel_code);
  const numbers = deferDocumentNumbers(ctx);
  const postings = deferPostings(ctx);
  const written = deferRows(ctx);
  const outcomes: OutcomeRow[] = [];
  for (const [i, row] of rows.entries()) {
    const o = orders[i]!;
    let out: Outcome;
    session.undo = [];
    if (atOnce) {
      try {
        if (!o) throw new DomainError('VALIDATION', 'The order could not be read');
        out = await applyImportedOrder(ctx, row.id, o, b.channel_code, mapping.priceToleranceBp, session);
      } catch (e) {
        const why = rejection(e instanceof DomainError ? e : new DomainError('INTERNAL', `Could not import this order: ${(e as Error).message}`), o);
        throw new DomainError('CONFLICT', `Order ${o?.ref ?? `#${i + 1}`} of this chunk is refused (${why.message}); nothing of the chunk was applied: apply it again order by order`, { reapply: REAPPLY_ORDER_BY_ORDER });
      }
    } else {
      const before = numbers.mark();
      const posted = postings.mark();
      const waiting = written.mark();
      await ctx.db.executeQuery(SAVEPOINT);
      try {
        if (!o) throw new DomainError('VALIDATION', 'The order could not be read');
        out = await applyImportedOrder(ctx, row.id, o, b.channel_code, mapping.priceToleranceBp, session);
        // A held-for-SKU or duplicate order leaves nothing behind but what it checked.
        await ctx.db.executeQuery(RELEASE);
      } catch (e) {
        await ctx.db.executeQuery(ROLLBACK);
        await ctx.db.executeQuery(RELEASE);
        // What the chunk's caches learnt from this order is forgotten with it; its document numbers go to the next order.
        for (const undo of session.undo.reverse()) undo();
        numbers.restore(before);
        postings.restore(posted);
        written.restore(waiting);
        out = rejection(e instanceof DomainError ? e : new DomainError('INTERNAL', `Could not import this order: ${(e as Error).message}`), o);
      }
    }
    outcomes.push({
      id: row.id,
      status: out.status,
      holdKind: out.holdKind,
      message: out.message.slice(0, 2000),
      errors: JSON.stringify(out.errors.slice(0, 200)),
      unmapped: JSON.stringify(out.unmapped),
      orderId: out.orderId,
      orderNumber: out.orderNumber,
    });
    results.set(row.id, out);
    if (++done % 25 === 0 || done === total) ctx.services.progress(`import:${b.id}`, done, total);
  }
  await inChunks(outcomes, (size, chunk) => setOutcomes(size).execute(ctx.db, chunk, { now: ctx.now }).then(() => undefined));
  await writeImportKeys(ctx, session);
  await written.flush();
  await postings.flush();
  await numbers.flush();
  return results;
}

async function finishIfDone(ctx: CommandContext, b: ImportBatchTable): Promise<void> {
  const left = await ctx.db.selectFrom('import_order').select('id').where('batch_id', '=', b.id).where('status', '=', 'pending').limit(1).executeTakeFirst();
  await ctx.db
    .updateTable('import_batch')
    .set(left ? { state: 'running', updated_at: ctx.now } : { state: 'done', finished_at: ctx.now, updated_at: ctx.now })
    .where('id', '=', b.id)
    .execute();
}

const word = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export const importsHandlers = defineHandlers({
  'imports.stage': async (ctx, input) => {
    ctx.recordInputAs({ ...input, content: `[${input.content.length} characters]` });
    const { batchId, duplicate } = await stageImport(ctx, input);
    if (duplicate) {
      ctx.summarize(`Import of ${input.fileName}: the same file was imported before`);
      return report(ctx.db, batchId, [], batchId);
    }
    const rejected = await pick(ctx.db).where('batch_id', '=', batchId).where('status', '=', 'rejected').orderBy('seq').limit(1000).execute();
    const b = await batchRow(ctx.db, batchId);
    ctx.summarize(`Staged ${word(b.total, 'order')} from ${input.fileName}${rejected.length ? ` (${rejected.length} rejected as malformed)` : ''}`);
    return report(ctx.db, batchId, rejected);
  },

  'imports.apply': async (ctx, input) => {
    const b = await batchRow(ctx.db, input.batchId);
    if (b.state === 'cancelled' || b.state === 'done') return report(ctx.db, b.id, []);
    const rows = await ctx.db.selectFrom('import_order').select(['id', 'payload']).where('batch_id', '=', b.id).where('status', '=', 'pending').orderBy('seq').limit(input.limit).execute();
    const results = await applyRows(ctx, b, rows, input.atOnce);
    await finishIfDone(ctx, b);
    const counts = { accepted: 0, held: 0, rejected: 0, duplicate: 0 };
    for (const r of results.values()) counts[r.status]++;
    ctx.summarize(`Import ${b.file_name}: ${counts.accepted} accepted, ${counts.held} held, ${counts.rejected} rejected, ${counts.duplicate} duplicates`);
    const handled = rows.length ? await pick(ctx.db).where('id', 'in', rows.map((r) => r.id)).orderBy('seq').execute() : [];
    return report(ctx.db, b.id, handled);
  },

  'imports.cancel': async (ctx, input) => {
    const b = await batchRow(ctx.db, input.batchId);
    if (b.state === 'done') throw new DomainError('BUSINESS_RULE', `The import of ${b.file_name} is finished; nothing is left to cancel`);
    const left = await ctx.db
      .updateTable('import_order')
      .set({ status: 'cancelled', message: `Cancelled by ${ctx.actor.username ?? 'system'}`, updated_at: ctx.now })
      .where('batch_id', '=', b.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    await ctx.db.updateTable('import_batch').set({ state: 'cancelled', finished_at: ctx.now, updated_at: ctx.now }).where('id', '=', b.id).execute();
    ctx.summarize(`Cancelled the import of ${b.file_name}: ${word(Number(left.numUpdatedRows), 'order')} not imported`);
    return report(ctx.db, b.id, []);
  },

  'imports.get': async (ctx, input) => {
    let q = pick(ctx.db).where('batch_id', '=', input.batchId);
    if (input.status) q = q.where('status', '=', input.status);
    const rows = await q.orderBy('seq').offset(input.offset).limit(input.limit).execute();
    return report(ctx.db, input.batchId, rows);
  },

  'imports.list': async (ctx, input) => {
    const rows = await ctx.db.selectFrom('import_batch').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(input.offset).limit(input.limit).execute();
    const total = Number((await ctx.db.selectFrom('import_batch').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { rows: await Promise.all(rows.map((b) => batchView(ctx.db, b))), total, offset: input.offset };
  },

  'imports.mapping.get': async (ctx, input) => ({ channelCode: input.channelCode, ...(await readMapping(ctx.db, input.channelCode)) }),

  'imports.mapping.preview': async (ctx, input) => {
    const mapping = await readMapping(ctx.db, input.channelCode);
    const xlsx = input.encoding === 'base64' || /\.xlsx$/i.test(input.fileName);
    const sheet = xlsx ? await readXlsx(Buffer.from(input.content, 'base64')) : readCsv(input.content, input.delimiter ?? mapping.delimiter);
    if (!sheet.header) throw new DomainError('VALIDATION', `${input.fileName} has no header row to map`, { fields: [{ path: 'content', message: 'No header row' }] });
    const headers = sheet.header.cells.map((h) => h.trim());
    const matched: Partial<Record<keyof typeof mapping.fields, string>> = {};
    for (const [field, column] of Object.entries(mapping.fields) as [keyof typeof mapping.fields, string][]) {
      const hit = headers.find((h) => norm(h) === norm(column));
      if (hit) matched[field] = hit;
    }
    return { headers, rows: sheet.rows.slice(0, 5).map((r) => r.cells), matched };
  },
  'imports.mapping.set': async (ctx, input) => {
    // A new row per save (the latest wins), so two branches saving never collide.
    await ctx.db
      .insertInto('import_mapping')
      .values({ ...newRowMeta(ctx), channel_code: input.channelCode, fields: JSON.stringify(input.fields), delimiter: input.delimiter, price_tolerance_bp: input.priceToleranceBp, paid: input.paid ? 1 : 0 })
      .execute();
    ctx.summarize(`Saved the ${input.channelCode} import mapping`);
    return { channelCode: input.channelCode, ...(await readMapping(ctx.db, input.channelCode)) };
  },

  'imports.sku.map': async (ctx, input) => {
    const b = await batchRow(ctx.db, input.batchId);
    const product = await ctx.db.selectFrom('product').select(['id', 'sku', 'active']).where('id', '=', input.productId).executeTakeFirst();
    if (!product) throw new DomainError('VALIDATION', 'Product: no such product', { fields: [{ path: 'productId', message: 'No such product' }] });
    if (product.active !== 1) throw new DomainError('BUSINESS_RULE', `${product.sku} is archived and cannot be sold`, { fields: [{ path: 'productId', message: 'Archived' }] });
    const held = await ctx.db.selectFrom('import_order').select(['id', 'payload', 'unmapped']).where('batch_id', '=', b.id).where('status', '=', 'held').where('hold_kind', '=', 'unknown_sku').orderBy('seq').execute();
    const waiting = held.filter((h) => (JSON.parse(h.unmapped) as { sku: string }[]).some((u) => u.sku === input.externalSku));
    if (waiting.length === 0) throw new DomainError('BUSINESS_RULE', `No order of this import is waiting for item code ${input.externalSku}`, { fields: [{ path: 'externalSku', message: 'Not waiting' }] });
    let partnerId: string | null = null;
    if (input.forCustomerOnly) {
      // The customer of the first waiting order: its item code means this product for that customer.
      const o = JSON.parse(waiting[0]!.payload) as ImportedOrder;
      partnerId = await findCustomer(ctx.db, o.customer);
    }
    await ctx.db.insertInto('sku_alias').values({ ...newRowMeta(ctx), channel_code: b.channel_code, partner_id: partnerId, external_sku: input.externalSku, product_id: product.id }).execute();
    await applyRows(ctx, { ...b, total: b.total }, waiting);
    await finishIfDone(ctx, b);
    ctx.summarize(`Mapped item code ${input.externalSku} to ${product.sku}${partnerId ? ' for the customer' : ` on ${b.channel_code}`}; re-applied ${word(waiting.length, 'held order')}`);
    return report(ctx.db, b.id, await pick(ctx.db).where('id', 'in', waiting.map((w) => w.id)).orderBy('seq').execute());
  },

  'imports.edi.documents': async (ctx, input) => {
    const rows = await ctx.db.selectFrom('edi_document').selectAll().where('order_id', '=', input.orderId).orderBy('created_at').orderBy('id').execute();
    return { rows: rows.map((r) => ({ id: r.id, kind: r.kind, orderId: r.order_id, controlNumber: r.control_number, content: r.content, createdAt: r.created_at })) };
  },

  'imports.edi.shipNotice': async (ctx, input) => {
    const made = await ediOnShipped(ctx, input.orderId);
    const last = await ctx.db.selectFrom('edi_document').selectAll().where('order_id', '=', input.orderId).where('kind', '=', '856').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    if (!last) throw new DomainError('BUSINESS_RULE', 'Nothing of this order has shipped yet, or it did not come by EDI: there is no ship notice to make');
    ctx.summarize(made ? `Made ${word(made, 'EDI 856 ship notice')}` : 'EDI 856 ship notice already made');
    return { id: last.id, kind: last.kind, orderId: last.order_id, controlNumber: last.control_number, content: last.content, createdAt: last.created_at };
  },
});

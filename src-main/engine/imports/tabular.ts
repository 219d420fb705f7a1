import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { ImportField } from '../../../src-shared/contract/imports';
import { DomainError } from '../platform/errors';
import { type ImportedLine, type ImportedOrder, type ImportErrorItem, type ParsedOrder, parseDate, parsePrice, parseQuantity } from './model';

/** A data row of a sheet or CSV file with the line it came from (1-based, as an editor shows it). */
export interface SheetRow {
  line: number;
  cells: string[];
}

export interface Mapping {
  fields: Partial<Record<ImportField, string>>;
  delimiter: string;
  paid: boolean;
  /** A saved mapping must find every column it names; the default takes the columns there are. */
  saved: boolean;
}

/** Headers compare without case, spaces or punctuation: "Order ID" = order_id = orderId. */
export const norm = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

const FIELD_LABEL: Record<ImportField, string> = {
  orderId: 'order id',
  customerCode: 'customer code',
  customerEmail: 'customer e-mail',
  customerName: 'customer name',
  customerPo: 'customer PO',
  sku: 'SKU',
  quantity: 'quantity',
  unit: 'unit',
  unitPrice: 'unit price',
  orderDate: 'order date',
  requestedDate: 'requested date',
  notes: 'notes',
};

/**
 * Reads CSV with csv-parse. A malformed row (an unclosed quote, the wrong number of cells) is
 * skipped and reported with its line, not the whole file: the rest still imports.
 */
export function readCsv(content: string, delimiter: string): { header: SheetRow | null; rows: SheetRow[]; bad: { line: number; message: string; cells: string[] | null }[] } {
  const bad: { line: number; message: string; cells: string[] | null }[] = [];
  const records = parse(content, {
    delimiter,
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_column_count: false,
    on_skip: (err: { message: string; lines?: number; record?: string[] } | undefined) => {
      if (err) bad.push({ line: err.lines ?? 0, message: csvMessage(err.message), cells: Array.isArray(err.record) ? err.record : null });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const rows = records.map((r) => ({ line: r.info.lines, cells: r.record }));
  return { header: rows[0] ?? null, rows: rows.slice(1), bad };
}

function csvMessage(m: string): string {
  if (/Invalid Record Length/i.test(m)) return `the row has a different number of cells than the header (${m.replace(/^.*?: /, '')})`;
  if (/Quote Not Closed/i.test(m)) return 'a quoted cell is never closed';
  return m;
}

/** Reads the first worksheet of an XLSX workbook (exceljs) into text rows. */
export async function readXlsx(data: Buffer): Promise<{ header: SheetRow | null; rows: SheetRow[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw new DomainError('VALIDATION', 'This is not an XLSX workbook (or it is damaged); save it again as .xlsx or export CSV');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new DomainError('VALIDATION', 'The workbook has no worksheet');
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value));
    if (cells.some((c) => c.trim() !== '')) rows.push({ line: n, cells });
  });
  return { header: rows[0] ?? null, rows: rows.slice(1) };
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
  }
  return String(v);
}

/**
 * Turns sheet rows into orders with the channel's mapping: rows sharing an order id are one
 * order (its lines, in file order). A row with an error rejects its whole order — an order
 * is imported complete or not at all.
 */
export function ordersFromRows(
  sheet: { header: SheetRow | null; rows: SheetRow[]; bad?: { line: number; message: string; cells: string[] | null }[] },
  mapping: Mapping,
  channelCode: string,
): ParsedOrder[] {
  if (!sheet.header) throw new DomainError('VALIDATION', 'The file is empty: it needs a header row and one row per order line');
  const index = new Map<string, number>();
  sheet.header.cells.forEach((h, i) => index.set(norm(h), i));
  const col = {} as Record<ImportField, number | undefined>;
  for (const [field, header] of Object.entries(mapping.fields) as [ImportField, string][]) {
    const i = index.get(norm(header));
    if (i === undefined && !mapping.saved) continue;
    if (i === undefined) throw new DomainError('VALIDATION', `The file has no column "${header}" (mapped to ${FIELD_LABEL[field]}); its columns are: ${sheet.header.cells.join(', ')}`);
    col[field] = i;
  }
  for (const need of ['sku', 'quantity'] as const) {
    if (col[need] === undefined) throw new DomainError('VALIDATION', `The mapping for ${channelCode} names no column for ${FIELD_LABEL[need]}`);
  }
  if (col.customerCode === undefined && col.customerEmail === undefined) throw new DomainError('VALIDATION', `The mapping for ${channelCode} names no column for the customer (code or e-mail)`);
  const cell = (r: SheetRow, f: ImportField) => {
    const i = col[f];
    return i === undefined ? '' : (r.cells[i] ?? '').trim();
  };

  const groups = new Map<string, { rows: SheetRow[]; errors: ImportErrorItem[] }>();
  const groupOf = (key: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { rows: [], errors: [] }));
    return g;
  };
  const out: ParsedOrder[] = [];
  for (const b of sheet.bad ?? []) {
    // The broken row's order (when its id can be read) is rejected whole.
    const id = b.cells && col.orderId !== undefined ? (b.cells[col.orderId] ?? '').trim() : '';
    if (id) groupOf(id).errors.push({ location: `line ${b.line}`, message: b.message });
    else out.push({ ref: `line ${b.line}`, source: `line ${b.line}`, order: null, errors: [{ location: `line ${b.line}`, message: b.message }] });
  }
  for (const r of sheet.rows) {
    // Without an order id column every row is an order of its own.
    groupOf(col.orderId === undefined ? `line ${r.line}` : cell(r, 'orderId') || `line ${r.line}`).rows.push(r);
  }
  for (const [key, g] of groups) {
    const first = g.rows[0];
    const lines = g.rows.map((r) => r.line);
    const source = lines.length === 0 ? g.errors.map((e) => e.location).join(', ') : lines.length === 1 ? `line ${lines[0]}` : `lines ${Math.min(...lines)}–${Math.max(...lines)}`;
    const errors = [...g.errors];
    const orderLines: ImportedLine[] = [];
    for (const [i, r] of g.rows.entries()) {
      const at = `line ${r.line}`;
      const sku = cell(r, 'sku');
      if (!sku) errors.push({ location: at, message: 'SKU is missing' });
      const q = parseQuantity(cell(r, 'quantity'));
      if (typeof q === 'string') errors.push({ location: at, message: q });
      const price = parsePrice(cell(r, 'unitPrice'));
      if (typeof price === 'string') errors.push({ location: at, message: price });
      orderLines.push({ lineNo: i + 1, location: at, skus: sku ? [sku] : [], description: null, quantity: typeof q === 'number' ? q : 0, unit: cell(r, 'unit') || null, unitPriceMinor: typeof price === 'number' ? price : null });
    }
    const header = (f: ImportField) => (first ? cell(first, f) || null : null);
    const date = (f: ImportField, label: string) => {
      const d = parseDate(header(f), label);
      if (d && typeof d === 'object') {
        errors.push({ location: `line ${first!.line}`, message: d.error });
        return null;
      }
      return d;
    };
    const orderDate = date('orderDate', 'Order date');
    const requestedDate = date('requestedDate', 'Requested date');
    const customer = { code: header('customerCode'), email: header('customerEmail'), name: header('customerName') };
    if (first && !customer.code && !customer.email) errors.push({ location: `line ${first.line}`, message: 'The customer is missing (code or e-mail)' });
    if (orderLines.length > 5000) errors.push({ location: source, message: `The order has ${orderLines.length} lines; at most 5,000 lines per order` });
    const ref = col.orderId !== undefined && !key.startsWith('line ') ? key : (header('customerPo') ?? key);
    const order: ImportedOrder = {
      ref,
      source,
      idemKey: col.orderId !== undefined && !key.startsWith('line ') ? `order:${channelCode}:${key}` : null,
      customer,
      shipToGln: null,
      customerPo: header('customerPo'),
      orderDate,
      requestedDate,
      notes: header('notes'),
      paid: mapping.paid,
      lines: orderLines,
    };
    out.push({ ref, source, order: errors.length === 0 ? order : null, errors });
  }
  return out;
}

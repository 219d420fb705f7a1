import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import type { Db, Tx } from '../platform/db';
import { fmt } from './ledger';
import { agedPayables, agedReceivables, balanceSheet, profitLoss, taxReport, trialBalance } from './reports';

/**
 * Report exports: a table (header + rows of text/cents) rendered as CSV, XLSX (exceljs, the
 * library the imports domain already uses) or PDF (pdfkit, as documents/ does); the general
 * ledger also as an hledger/ledger plain-text journal that `hledger -f gl.journal balance`
 * reads and checks (every transaction balances, amounts with two decimals).
 */

type Cell = string | number;
interface Table {
  title: string;
  header: string[];
  /** Columns holding cents (exported as decimals). */
  money: number[];
  rows: Cell[][];
}

const csvCell = (v: Cell) => {
  const s = String(v);
  return /[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function toCsv(t: Table): Buffer {
  const lines = [t.header.map(csvCell).join(',')];
  for (const r of t.rows) lines.push(r.map((v, i) => csvCell(t.money.includes(i) ? fmt(Number(v)) : v)).join(','));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

async function toXlsx(t: Table): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(t.title.slice(0, 31));
  ws.addRow(t.header).font = { bold: true };
  for (const r of t.rows) ws.addRow(r.map((v, i) => (t.money.includes(i) ? Number(v) / 100 : v)));
  for (const i of t.money) ws.getColumn(i + 1).numFmt = '#,##0.00';
  ws.columns.forEach((c) => (c.width = 18));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function toPdf(t: Table): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 36, info: { Title: t.title } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.fontSize(14).text(t.title).moveDown(0.5).fontSize(8);
  const width = (doc.page.width - 72) / t.header.length;
  const row = (cells: string[], bold = false) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    cells.forEach((c, i) => doc.text(c, 36 + i * width, y, { width: width - 4, align: t.money.includes(i) ? 'right' : 'left', lineBreak: false, ellipsis: true }));
    doc.y = y + 12;
  };
  row(t.header, true);
  for (const r of t.rows) row(r.map((v, i) => (t.money.includes(i) ? fmt(Number(v)) : String(v))));
  doc.end();
  return done;
}

interface Scope {
  from?: string;
  to: string;
  branchId?: string;
}

export type ReportName = 'trialBalance' | 'generalLedger' | 'profitLoss' | 'balanceSheet' | 'receivablesAging' | 'payablesAging' | 'tax';

async function tableOf(db: Db | Tx, report: ReportName, s: Scope): Promise<Table> {
  if (report === 'receivablesAging' || report === 'payablesAging') {
    const aging = report === 'receivablesAging' ? await agedReceivables(db, s.to) : await agedPayables(db, s.to);
    return {
      title: `Aged ${report === 'receivablesAging' ? 'receivables' : 'payables'} at ${s.to}`,
      header: [report === 'receivablesAging' ? 'Customer' : 'Vendor', 'Current', '1–30', '31–60', '61–90', 'Over 90', 'Credit', 'Total'],
      money: [1, 2, 3, 4, 5, 6, 7],
      rows: [...aging.rows.map((r) => [r.partnerName, r.currentMinor, r.d1to30Minor, r.d31to60Minor, r.d61to90Minor, r.over90Minor, r.creditMinor, r.totalMinor]), ['Total', ...(['currentMinor', 'd1to30Minor', 'd31to60Minor', 'd61to90Minor', 'over90Minor', 'creditMinor'] as const).map((k) => aging.rows.reduce((t, r) => t + r[k], 0)), aging.totalMinor]],
    };
  }
  if (report === 'tax') {
    const from = s.from ?? `${s.to.slice(0, 7)}-01`;
    const rows = await taxReport(db, { from, to: s.to, branchId: s.branchId });
    const sum = (k: 'baseMinor' | 'taxMinor' | 'inputBaseMinor' | 'inputTaxMinor' | 'netMinor') => rows.reduce((t, r) => t + r[k], 0);
    return {
      title: `Tax report ${from} to ${s.to}`,
      header: ['Rate', 'Sales base', 'Output tax', 'Purchase base', 'Input tax', 'Net'],
      money: [1, 2, 3, 4, 5],
      rows: [...rows.map((r) => [`${r.rateBp / 100}%`, r.baseMinor, r.taxMinor, r.inputBaseMinor, r.inputTaxMinor, r.netMinor]), ['Total', sum('baseMinor'), sum('taxMinor'), sum('inputBaseMinor'), sum('inputTaxMinor'), sum('netMinor')]],
    };
  }
  if (report === 'trialBalance') {
    const tb = await trialBalance(db, s);
    return { title: `Trial balance to ${s.to}`, header: ['Account', 'Name', 'Debit', 'Credit', 'Balance'], money: [2, 3, 4], rows: [...tb.rows.map((r) => [r.code, r.name, r.debitMinor, r.creditMinor, r.balanceMinor]), ['', 'Total', tb.debitMinor, tb.creditMinor, tb.debitMinor - tb.creditMinor]] };
  }
  if (report === 'profitLoss') {
    const pl = await profitLoss(db, { from: s.from ?? `${s.to.slice(0, 4)}-01-01`, to: s.to, branchId: s.branchId });
    return { title: `Profit and loss ${s.from ?? s.to.slice(0, 4)} to ${s.to}`, header: ['Account', 'Name', 'Amount'], money: [2], rows: [...pl.income.map((r) => [r.code, r.name, r.amountMinor]), ...pl.expense.map((r) => [r.code, r.name, -r.amountMinor]), ['', 'Result', pl.resultMinor]] };
  }
  if (report === 'balanceSheet') {
    const bs = await balanceSheet(db, { at: s.to, branchId: s.branchId });
    return {
      title: `Balance sheet at ${s.to}`,
      header: ['Account', 'Name', 'Amount'],
      money: [2],
      rows: [...bs.assets.map((r) => [r.code, r.name, r.amountMinor]), ['', 'Total assets', bs.assetsMinor], ...bs.liabilities.map((r) => [r.code, r.name, r.amountMinor]), ...bs.equity.map((r) => [r.code, r.name, r.amountMinor]), ['', 'Result not yet closed', bs.unclosedResultMinor], ['', 'Total liabilities and equity', bs.liabilitiesMinor + bs.equityMinor]],
    };
  }
  const rows = await glLines(db, s);
  return { title: `General ledger ${s.from ?? ''} to ${s.to}`, header: ['Date', 'Entry', 'Memo', 'Account', 'Name', 'Label', 'Debit', 'Credit', 'Source'], money: [6, 7], rows: rows.map((r) => [r.date, r.entry_id, r.memo, r.code, r.name, r.label ?? '', Number(r.debit_minor), Number(r.credit_minor), r.source_number ?? '']) };
}

function glLines(db: Db | Tx, s: Scope) {
  let q = db
    .selectFrom('journal_line as l')
    .innerJoin('journal_entry as e', 'e.id', 'l.entry_id')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select(['l.date', 'l.entry_id', 'e.memo', 'a.code', 'a.name', 'l.label', 'l.debit_minor', 'l.credit_minor', 'e.source_number', 'l.line_no'])
    .where('l.date', '<=', s.to);
  if (s.from) q = q.where('l.date', '>=', s.from);
  if (s.branchId) q = q.where('l.branch_id', '=', s.branchId);
  return q.orderBy('l.date').orderBy('l.entry_id').orderBy('l.line_no').execute();
}

/** The general ledger as an hledger/ledger journal: one transaction per entry, accounts named "code name". */
export async function hledgerJournal(db: Db | Tx, s: Scope): Promise<string> {
  const rows = await glLines(db, s);
  const out: string[] = [`; Branchline general ledger ${s.from ?? ''} to ${s.to}`, ''];
  let current = '';
  for (const r of rows) {
    if (r.entry_id !== current) {
      if (current) out.push('');
      current = r.entry_id;
      out.push(`${r.date} ${r.memo.replace(/[\r\n;]/g, ' ')}${r.source_number ? `  ; source: ${r.source_number}` : ''}`);
    }
    const account = `${r.code} ${r.name}`.replace(/\s{2,}|[;\t]/g, ' ');
    const amount = Number(r.debit_minor) - Number(r.credit_minor);
    out.push(`    ${account}  ${fmt(amount)}`);
  }
  out.push('');
  return out.join('\n');
}

export async function exportReport(db: Db | Tx, input: { report: ReportName; format: 'csv' | 'xlsx' | 'pdf' | 'hledger' } & Scope) {
  const base = `${input.report}-${input.to}`;
  if (input.format === 'hledger') return { fileName: `${base}.journal`, mime: 'text/plain', base64: Buffer.from(await hledgerJournal(db, input), 'utf8').toString('base64') };
  const t = await tableOf(db, input.report, input);
  if (input.format === 'csv') return { fileName: `${base}.csv`, mime: 'text/csv', base64: toCsv(t).toString('base64') };
  if (input.format === 'xlsx') return { fileName: `${base}.xlsx`, mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', base64: (await toXlsx(t)).toString('base64') };
  return { fileName: `${base}.pdf`, mime: 'application/pdf', base64: (await toPdf(t)).toString('base64') };
}

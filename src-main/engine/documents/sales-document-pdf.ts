import PDFDocument from 'pdfkit';
import { BOLD, FONT, HEAD_BG, INK, MONO, MUTED, type PdfOptions, RULE } from './pdf-style';

/**
 * One layout for the printed sales documents (invoice, packing slip, order confirmation):
 * company and title, the parties (bill-to / ship-to), a grid of reference fields, the lines
 * table (header repeated on every page), the totals and a closing note, "Page n of m" below.
 * The data builders (sales-documents.ts) decide what goes in; this only draws it.
 */

export interface DocColumn {
  label: string;
  /** Share of the table width. */
  width: number;
  align?: 'left' | 'right' | 'center';
  mono?: boolean;
}

/**
 * The lines table of a priced document (invoice, order confirmation, purchase order, vendor bill):
 * line number, SKU, product, quantity, unit price, then discount and tax where the document shows
 * them, and the line amount. Widths are shares of the table, like DocColumn's.
 */
export function pricedLineColumns(w: { lineNo: number; product: number; quantity: number; discount?: number; tax?: number; amount: number }, productLabel = 'Product'): DocColumn[] {
  const right = (label: string, width: number): DocColumn => ({ label, width, align: 'right' });
  return [
    right('#', w.lineNo),
    { label: 'SKU', width: 17, mono: true },
    { label: productLabel, width: w.product },
    right('Qty', w.quantity),
    right('Unit price', 12),
    ...(w.discount ? [right('Disc.', w.discount)] : []),
    ...(w.tax ? [right('Tax', w.tax)] : []),
    right('Amount', w.amount),
  ];
}

export interface SalesDocData {
  title: string;
  number: string;
  companyName: string;
  branchLine: string;
  /** Address blocks side by side, e.g. Bill to and Ship to. */
  parties: { heading: string; lines: string[] }[];
  /** Reference fields (date, due date, order, customer PO, terms…). */
  fields: [label: string, value: string][];
  columns: DocColumn[];
  rows: string[][];
  /** Totals on the right under the table (label, amount); the last is drawn bold. */
  totals: [label: string, value: string][];
  /** A sentence under the totals (payment instructions, a note). */
  note?: string | null;
  /** Signature lines at the end (packing slip: Packed by, Received by). */
  signatures?: string[];
  printedAt: string;
}

const MARGIN = 40;
const FOOTER = 22;
const PAD = 4;
const BODY = 8.5;

export function renderSalesDocumentPdf(data: SalesDocData, options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER },
    bufferPages: true,
    compress: options.compress ?? true,
    info: { Title: `${data.title} ${data.number}`, Author: data.companyName, Creator: 'Branchline' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - FOOTER;

  // ---- Company and title ----
  doc.font(BOLD).fontSize(13).fillColor(INK).text(data.companyName, left, MARGIN, { width: width / 2 });
  doc.font(FONT).fontSize(8.5).fillColor(MUTED).text(data.branchLine, left, doc.y, { width: width / 2 });
  doc.font(BOLD).fontSize(18).fillColor(INK).text(data.title, left + width / 2, MARGIN, { width: width / 2, align: 'right' });
  doc.font(MONO).fontSize(10).fillColor(INK).text(data.number, left + width / 2, doc.y + 2, { width: width / 2, align: 'right' });
  let y = Math.max(doc.y, MARGIN + 40) + 14;

  // ---- Parties ----
  if (data.parties.length) {
    const w = width / Math.max(2, data.parties.length);
    let tallest = 0;
    data.parties.forEach((p, i) => {
      const x = left + i * w;
      doc.font(BOLD).fontSize(7).fillColor(MUTED).text(p.heading.toUpperCase(), x, y, { width: w - 12 });
      doc.font(FONT).fontSize(9).fillColor(INK).text(p.lines.filter(Boolean).join('\n'), x, y + 10, { width: w - 12 });
      tallest = Math.max(tallest, doc.y - y);
    });
    y += tallest + 12;
  }

  // ---- Reference fields, four to a row ----
  const fw = width / 4;
  data.fields.forEach(([label, value], i) => {
    const x = left + (i % 4) * fw;
    const fy = y + Math.floor(i / 4) * 26;
    doc.font(FONT).fontSize(7).fillColor(MUTED).text(label.toUpperCase(), x, fy, { width: fw - 8, lineBreak: false });
    doc.font(BOLD).fontSize(9.5).fillColor(INK).text(value, x, fy + 9, { width: fw - 8, lineBreak: false, ellipsis: true });
  });
  y += Math.ceil(data.fields.length / 4) * 26 + 8;

  // ---- Lines ----
  const share = data.columns.reduce((s, c) => s + c.width, 0);
  const widths = data.columns.map((c) => (c.width / share) * width);
  const header = () => {
    doc.save().rect(left, y, width, 16).fill(HEAD_BG).restore();
    let x = left;
    doc.font(BOLD).fontSize(7.5).fillColor(MUTED);
    data.columns.forEach((c, i) => {
      doc.text(c.label.toUpperCase(), x + PAD, y + 5, { width: widths[i]! - 2 * PAD, align: c.align ?? 'left', lineBreak: false });
      x += widths[i]!;
    });
    y += 16;
  };
  header();
  if (data.rows.length === 0) {
    doc.font(FONT).fontSize(9).fillColor(MUTED).text('No lines.', left, y + 8, { width });
    y += 24;
  }
  for (const row of data.rows) {
    const h = Math.max(16, ...row.map((cell, i) => doc.font(data.columns[i]?.mono ? MONO : FONT).fontSize(BODY).heightOfString(cell || ' ', { width: widths[i]! - 2 * PAD }) + 2 * PAD));
    if (y + h > bottom()) {
      doc.addPage();
      y = MARGIN;
      header();
    }
    let x = left;
    row.forEach((cell, i) => {
      const c = data.columns[i]!;
      doc.font(c.mono ? MONO : FONT).fontSize(BODY).fillColor(INK).text(cell, x + PAD, y + PAD, { width: widths[i]! - 2 * PAD, align: c.align ?? 'left' });
      x += widths[i]!;
    });
    y += h;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.4).strokeColor(RULE).stroke();
  }

  // ---- Totals ----
  if (data.totals.length) {
    if (y + data.totals.length * 15 + 10 > bottom()) {
      doc.addPage();
      y = MARGIN;
    }
    y += 8;
    const tx = left + width * 0.55;
    const tw = width * 0.45;
    data.totals.forEach(([label, value], i) => {
      const last = i === data.totals.length - 1;
      if (last) doc.moveTo(tx, y - 2).lineTo(tx + tw, y - 2).lineWidth(0.8).strokeColor(INK).stroke();
      doc.font(last ? BOLD : FONT).fontSize(last ? 10.5 : 9).fillColor(INK);
      doc.text(label, tx, y + 2, { width: tw * 0.55, lineBreak: false });
      doc.text(value, tx + tw * 0.55, y + 2, { width: tw * 0.45, align: 'right', lineBreak: false });
      y += last ? 18 : 14;
    });
  }
  if (data.note) {
    if (y + 30 > bottom()) {
      doc.addPage();
      y = MARGIN;
    }
    doc.font(FONT).fontSize(8.5).fillColor(MUTED).text(data.note, left, y + 10, { width });
    y = doc.y;
  }
  if (data.signatures?.length) {
    if (y + 50 > bottom()) {
      doc.addPage();
      y = MARGIN;
    }
    y += 30;
    const sw = width / data.signatures.length;
    data.signatures.forEach((label, i) => {
      const x = left + i * sw;
      doc.moveTo(x, y).lineTo(x + sw - 24, y).lineWidth(0.6).strokeColor(RULE).stroke();
      doc.font(FONT).fontSize(8).fillColor(MUTED).text(label, x, y + 3, { lineBreak: false });
    });
  }

  // ---- Footers ----
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const fy = doc.page.height - MARGIN - 10;
    doc.moveTo(left, fy - 4).lineTo(left + width, fy - 4).lineWidth(0.4).strokeColor(RULE).stroke();
    doc.font(FONT).fontSize(7.5).fillColor(MUTED);
    doc.text(`${data.companyName} · ${data.title} ${data.number} · printed ${data.printedAt.slice(0, 10)}`, left, fy, { width: width * 0.7, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, left + width * 0.7, fy, { width: width * 0.3, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.end();
  return done;
}

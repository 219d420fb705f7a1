import PDFDocument from 'pdfkit';
import { BOLD, FONT, HEAD_BG, INK, MONO, MUTED, type PdfOptions, RULE } from './pdf-style';

/** What a printed pick list shows; built by the handler from the wave, the company and the warehouse. */
export interface PickListData {
  companyName: string;
  branchCode: string;
  branchName: string;
  warehouseCode: string;
  warehouseName: string;
  waveNumber: string;
  waveState: string;
  carrier: string | null;
  zone: string | null;
  cutoffBefore: string | null;
  transferNumbers: string[];
  /** Already in walking order (location path, then SKU). */
  rows: { locationPath: string; sku: string; name: string; barcode: string | null; lotName: string | null; quantity: number; transferNumbers: string[] }[];
  printedAt: string;
  printedBy: string | null;
}

const PAGE = { size: 'A4' as const, layout: 'landscape' as const, margin: 30 };
const FOOTER_HEIGHT = 22;

interface Column {
  key: 'check' | 'location' | 'sku' | 'name' | 'barcode' | 'lot' | 'quantity' | 'transfers';
  label: string;
  width: number;
  align?: 'left' | 'right' | 'center';
  font?: string;
}

/** 782 pt of usable width on landscape A4 with 30 pt margins. */
const COLUMNS: Column[] = [
  { key: 'check', label: 'Done', width: 30, align: 'center' },
  { key: 'location', label: 'Location', width: 112, font: BOLD },
  { key: 'sku', label: 'SKU', width: 82, font: MONO },
  { key: 'name', label: 'Product', width: 210 },
  { key: 'barcode', label: 'Barcode', width: 92, font: MONO },
  { key: 'lot', label: 'Lot / serial', width: 72 },
  { key: 'quantity', label: 'Qty', width: 40, align: 'right', font: BOLD },
  { key: 'transfers', label: 'Transfers', width: 144, font: MONO },
];
const CELL_PAD = 4;
const BODY_SIZE = 8.5;

function cellText(row: PickListData['rows'][number], key: Column['key']): string {
  switch (key) {
    case 'check':
      return '';
    case 'location':
      return row.locationPath;
    case 'sku':
      return row.sku;
    case 'name':
      return row.name;
    case 'barcode':
      return row.barcode ?? '';
    case 'lot':
      return row.lotName ?? '';
    case 'quantity':
      return row.quantity.toLocaleString('en-US');
    case 'transfers':
      return row.transferNumbers.join('\n');
  }
}

const fmtTime = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '—');

/**
 * Renders a wave's pick list as a PDF: company/branch header, wave number, carrier and cut-off,
 * then one row per location and product in walking order with a box to tick, the header
 * repeated on every page and "Page n of m" in the footer. Resolves to the file's bytes.
 */
export function renderPickListPdf(data: PickListData, options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: PAGE.size,
    layout: PAGE.layout,
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + FOOTER_HEIGHT },
    bufferPages: true,
    compress: options.compress ?? true,
    info: { Title: `Pick list ${data.waveNumber}`, Author: data.companyName, Subject: `Wave ${data.waveNumber} — ${data.warehouseCode}`, Creator: 'Branchline' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = PAGE.margin;
  const width = doc.page.width - 2 * PAGE.margin;
  const bottom = () => doc.page.height - PAGE.margin - FOOTER_HEIGHT;

  // ---- Title block (first page) ----
  doc.fillColor(INK).font(BOLD).fontSize(15).text('Pick list', left, PAGE.margin, { continued: true }).font(FONT).fillColor(MUTED).text(`  ${data.waveNumber}`);
  doc.font(FONT).fontSize(9).fillColor(MUTED).text(`${data.companyName} · Branch ${data.branchCode} ${data.branchName} · Warehouse ${data.warehouseCode} ${data.warehouseName}`);
  const metaTop = doc.y + 6;
  const meta: [string, string][] = [
    ['Wave', data.waveNumber],
    ['Carrier', data.carrier ?? 'Any'],
    ['Cut-off before', fmtTime(data.cutoffBefore)],
    ['Zone', data.zone ?? 'All'],
    ['Transfers', String(data.transferNumbers.length)],
    ['Lines', String(data.rows.length)],
    ['Units', data.rows.reduce((s, r) => s + r.quantity, 0).toLocaleString('en-US')],
    ['Printed', `${fmtTime(data.printedAt)}${data.printedBy ? ` by ${data.printedBy}` : ''}`],
  ];
  const metaW = width / 4;
  meta.forEach(([label, value], i) => {
    const x = left + (i % 4) * metaW;
    const y = metaTop + Math.floor(i / 4) * 26;
    doc.font(FONT).fontSize(7).fillColor(MUTED).text(label.toUpperCase(), x, y, { width: metaW - 8, lineBreak: false });
    doc.font(BOLD).fontSize(10).fillColor(INK).text(value, x, y + 9, { width: metaW - 8, lineBreak: false, ellipsis: true });
  });
  let y = metaTop + 2 * 26 + 4;
  if (data.transferNumbers.length > 0) {
    doc.font(FONT).fontSize(7.5).fillColor(MUTED);
    const list = `Transfers in this wave: ${data.transferNumbers.join(', ')}`;
    const h = Math.min(doc.heightOfString(list, { width }), 40);
    doc.text(list, left, y, { width, height: 40, ellipsis: true });
    y += h + 6;
  }

  // ---- Table ----
  const header = () => {
    doc.save().rect(left, y, width, 16).fill(HEAD_BG).restore();
    let x = left;
    doc.font(BOLD).fontSize(7.5).fillColor(MUTED);
    for (const c of COLUMNS) {
      doc.text(c.label.toUpperCase(), x + CELL_PAD, y + 5, { width: c.width - 2 * CELL_PAD, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    }
    y += 16;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.8).strokeColor(RULE).stroke();
  };
  header();

  if (data.rows.length === 0) {
    doc.font(FONT).fontSize(9).fillColor(MUTED).text('Nothing to pick: no stock is reserved for the transfers of this wave.', left, y + 10, { width });
  }

  let previousLocation = '';
  for (const row of data.rows) {
    const heights = COLUMNS.map((c) => {
      const t = cellText(row, c.key);
      return t ? doc.font(c.font ?? FONT).fontSize(BODY_SIZE).heightOfString(t, { width: c.width - 2 * CELL_PAD }) : 0;
    });
    const rowH = Math.max(18, Math.max(...heights) + 2 * CELL_PAD + 2);
    if (y + rowH > bottom()) {
      doc.addPage();
      y = PAGE.margin;
      header();
      previousLocation = '';
    }
    let x = left;
    for (const c of COLUMNS) {
      if (c.key === 'check') {
        doc.rect(x + (c.width - 10) / 2, y + 4, 10, 10).lineWidth(0.8).strokeColor(INK).stroke();
      } else {
        const repeatLocation = c.key === 'location' && row.locationPath === previousLocation;
        doc
          .font(c.font ?? FONT)
          .fontSize(c.key === 'quantity' ? 10 : BODY_SIZE)
          .fillColor(repeatLocation ? MUTED : INK)
          .text(cellText(row, c.key), x + CELL_PAD, y + CELL_PAD + (c.key === 'quantity' ? -1 : 1), { width: c.width - 2 * CELL_PAD, align: c.align ?? 'left' });
      }
      x += c.width;
    }
    previousLocation = row.locationPath;
    y += rowH;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.4).strokeColor(RULE).stroke();
  }

  // ---- Sign-off (on the last page when it fits) ----
  if (y + 40 > bottom()) {
    doc.addPage();
    y = PAGE.margin;
  }
  y += 16;
  doc.font(FONT).fontSize(8).fillColor(MUTED);
  for (const [i, label] of ['Picked by', 'Checked by', 'Date / time'].entries()) {
    const x = left + i * (width / 3);
    doc.moveTo(x, y + 14).lineTo(x + width / 3 - 24, y + 14).lineWidth(0.6).strokeColor(RULE).stroke();
    doc.text(label, x, y + 17, { lineBreak: false });
  }

  // ---- Footers: page numbers on every page ----
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const fy = doc.page.height - PAGE.margin - 10;
    doc.moveTo(left, fy - 4).lineTo(left + width, fy - 4).lineWidth(0.4).strokeColor(RULE).stroke();
    doc.font(FONT).fontSize(7.5).fillColor(MUTED);
    doc.text(`${data.companyName} · ${data.warehouseCode} · Pick list ${data.waveNumber}`, left, fy, { width: width / 2, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, left + width / 2, fy, { width: width / 2, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.end();
  return done;
}

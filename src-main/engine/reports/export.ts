import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import type { KpiResult, ReportFilter } from '../../../src-shared/contract/reports';

/**
 * A KPI as a file: its rows (segment, value, numerator, denominator) with the period and
 * filters in the heading — XLSX through exceljs (already a dependency of imports/finance),
 * PDF through pdfkit (as documents/ does).
 */

export const formatValue = (r: Pick<KpiResult, 'unit'>, v: number | null) => (v === null ? '—' : r.unit === 'percent' ? `${(v * 100).toFixed(1)} %` : r.unit === 'turns' ? `${v.toFixed(2)}×` : `${v.toFixed(1)} ${r.unit}`);

function heading(r: KpiResult, f: ReportFilter): string {
  const segs = [f.warehouseId ? 'one warehouse' : null, f.region ? `region ${f.region}` : null, f.customerClass ? `class ${f.customerClass}` : null, f.channel ? `channel ${f.channel}` : null].filter(Boolean);
  return `${r.label}, ${f.from} to ${f.to}${segs.length ? ` (${segs.join(', ')})` : ''}`;
}

export async function exportKpi(r: KpiResult, f: ReportFilter, format: 'xlsx' | 'pdf'): Promise<{ filename: string; contentType: string; base64: string }> {
  const name = `${r.kpi}-${f.from}-${f.to}`;
  const rows = [...r.rows.map((x) => [x.label, x.value, x.numerator, x.denominator] as const), ['Total', r.value, r.numerator, r.denominator] as const];
  if (format === 'xlsx') {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(r.label.slice(0, 31));
    ws.addRow([heading(r, f)]).font = { bold: true };
    if (r.note) ws.addRow([r.note]);
    ws.addRow(['Segment', r.unit === 'percent' ? 'Value (ratio)' : `Value (${r.unit})`, 'Numerator', 'Denominator']).font = { bold: true };
    for (const x of rows) ws.addRow([x[0], x[1], x[2], x[3]]);
    ws.columns.forEach((c) => (c.width = 22));
    return { filename: `${name}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', base64: Buffer.from(await wb.xlsx.writeBuffer()).toString('base64') };
  }
  const doc = new PDFDocument({ size: 'A4', margin: 36, info: { Title: heading(r, f) } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.font('Helvetica-Bold').fontSize(14).text(heading(r, f)).moveDown(0.3);
  doc.font('Helvetica').fontSize(9).text(r.note ?? '').moveDown(0.5);
  const widths = [200, 100, 100, 100];
  const line = (cells: string[], bold: boolean) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    let x = 36;
    cells.forEach((c, i) => {
      doc.text(c, x, y, { width: widths[i]! - 6, align: i === 0 ? 'left' : 'right', lineBreak: false, ellipsis: true });
      x += widths[i]!;
    });
    doc.y = y + 14;
  };
  line(['Segment', 'Value', 'Numerator', 'Denominator'], true);
  for (const x of rows) line([x[0], formatValue(r, x[1]), x[2].toLocaleString('en-US', { maximumFractionDigits: 2 }), x[3].toLocaleString('en-US', { maximumFractionDigits: 2 })], x[0] === 'Total');
  doc.end();
  return { filename: `${name}.pdf`, contentType: 'application/pdf', base64: (await done).toString('base64') };
}

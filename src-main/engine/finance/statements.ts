import { XMLParser } from 'fast-xml-parser';
import { DomainError } from '../platform/errors';

/**
 * Bank statement files → statement lines. Two formats: CSV (a header row naming at least
 * `date` and `amount`) and ISO 20022 CAMT.053 XML. A file that is not what it claims, whose
 * account IBAN fails its checksum, or whose balances do not add up (opening + entries ≠
 * closing: incomplete or altered) is refused with the reason; nothing is written.
 */

export interface ParsedLine {
  date: string;
  amountMinor: number;
  reference: string | null;
  partnerName: string | null;
  counterpartyIban: string | null;
  description: string | null;
}

export interface ParsedStatement {
  statementDate: string;
  iban: string | null;
  openingMinor: number | null;
  closingMinor: number | null;
  lines: ParsedLine[];
}

const bad = (message: string) => new DomainError('VALIDATION', message, { fields: [{ path: 'content', message }] });

/** "1.234,56" / "1234.56" / "-12" → minor units, exactly (no floats). */
export function parseAmount(raw: string): number | null {
  let s = raw.trim().replace(/\s/g, '');
  if (!s) return null;
  const neg = s.startsWith('-') || (s.startsWith('(') && s.endsWith(')'));
  s = s.replace(/^[-+(]|\)$/g, '');
  // The last separator followed by 1–2 digits is the decimal point; any other is a thousands separator.
  const m = /^(.*?)(?:[.,](\d{1,2}))?$/.exec(s)!;
  const intPart = m[1]!.replace(/[.,']/g, '');
  const frac = m[2] ?? '';
  if (!/^\d+$/.test(intPart || '0') || !/^\d{0,2}$/.test(frac)) return null;
  const minor = Number(intPart || '0') * 100 + Number(frac.padEnd(2, '0') || '0');
  if (!Number.isSafeInteger(minor)) return null;
  return neg ? -minor : minor;
}

function parseDate(raw: string): string | null {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) return valid(`${m[1]}-${m[2]}-${m[3]}`);
  m = /^(\d{2})[./](\d{2})[./](\d{4})$/.exec(s);
  if (m) return valid(`${m[3]}-${m[2]}-${m[1]}`);
  return null;
}
const valid = (d: string) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d ? d : null;
};

/** ISO 13616 IBAN check (mod 97 = 1). */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

function splitCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

const HEADERS: Record<string, keyof ParsedLine> = {
  date: 'date',
  'booking date': 'date',
  amount: 'amountMinor',
  reference: 'reference',
  ref: 'reference',
  partner: 'partnerName',
  name: 'partnerName',
  counterparty: 'partnerName',
  iban: 'counterpartyIban',
  description: 'description',
  memo: 'description',
};

export function parseCsvStatement(content: string): ParsedStatement {
  const rows = content.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (rows.length === 0) throw bad('The file is empty');
  const sep = (rows[0]!.match(/;/g)?.length ?? 0) > (rows[0]!.match(/,/g)?.length ?? 0) ? ';' : ',';
  const header = splitCsvLine(rows[0]!, sep).map((h) => h.toLowerCase());
  const cols = header.map((h) => HEADERS[h] ?? null);
  if (!cols.includes('date') || !cols.includes('amountMinor')) {
    throw bad(`This is not a bank statement CSV: the first row must name the columns, with at least "date" and "amount" (found: ${header.slice(0, 8).join(', ') || 'nothing'})`);
  }
  const lines: ParsedLine[] = [];
  rows.slice(1).forEach((row, i) => {
    const cells = splitCsvLine(row, sep);
    const n = i + 2;
    if (cells.length !== header.length) throw bad(`Line ${n}: ${cells.length} columns, the header has ${header.length}`);
    const line: ParsedLine = { date: '', amountMinor: 0, reference: null, partnerName: null, counterpartyIban: null, description: null };
    cells.forEach((cell, c) => {
      const key = cols[c];
      if (!key) return;
      if (key === 'date') {
        const d = parseDate(cell);
        if (!d) throw bad(`Line ${n}: "${cell.slice(0, 30)}" is not a date (use 2026-11-30 or 30.11.2026)`);
        line.date = d;
      } else if (key === 'amountMinor') {
        const a = parseAmount(cell);
        if (a === null || a === 0) throw bad(`Line ${n}: "${cell.slice(0, 30)}" is not an amount (use 1234.56 or -12,50)`);
        line.amountMinor = a;
      } else if (key === 'counterpartyIban') {
        line.counterpartyIban = cell ? cell.replace(/\s/g, '').toUpperCase() : null;
        if (line.counterpartyIban && !ibanValid(line.counterpartyIban)) throw bad(`Line ${n}: IBAN ${line.counterpartyIban} fails its checksum`);
      } else line[key] = (cell || null) as never;
    });
    lines.push(line);
  });
  if (lines.length === 0) throw bad('The file has a header but no lines');
  return { statementDate: lines.map((l) => l.date).sort().at(-1)!, iban: null, openingMinor: null, closingMinor: null, lines };
}

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const textOf = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return textOf((v as Record<string, unknown>)['#text']);
  return String(v).trim() || null;
};

function signedAmount(node: Record<string, unknown>, where: string): number {
  const raw = textOf(node.Amt);
  const a = raw === null ? null : parseAmount(raw);
  if (a === null) throw bad(`${where}: the amount "${raw ?? ''}" is not valid`);
  const ind = textOf(node.CdtDbtInd);
  if (ind !== 'CRDT' && ind !== 'DBIT') throw bad(`${where}: credit/debit indicator must be CRDT or DBIT`);
  return ind === 'DBIT' ? -a : a;
}

export function parseCamt053(content: string): ParsedStatement {
  let doc: Record<string, any>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, removeNSPrefix: true, trimValues: true }).parse(content, true);
  } catch (e) {
    throw bad(`This is not a valid XML file: ${(e as Error).message.split('\n')[0]}`);
  }
  const root = doc.Document;
  const ns = String(root?.['@_xmlns'] ?? '');
  if (!root?.BkToCstmrStmt || (ns && !ns.includes('camt.053'))) throw bad('This is not a CAMT.053 bank statement (expected Document/BkToCstmrStmt in the camt.053 namespace)');
  const stmts = arr(root.BkToCstmrStmt.Stmt);
  if (stmts.length === 0) throw bad('The CAMT.053 file holds no statement (Stmt)');
  const lines: ParsedLine[] = [];
  let opening: number | null = null;
  let closing: number | null = null;
  let iban: string | null = null;
  let statementDate = '';
  stmts.forEach((st: Record<string, any>, si: number) => {
    const acctIban = textOf(st.Acct?.Id?.IBAN);
    if (acctIban) {
      if (!ibanValid(acctIban)) throw bad(`Statement ${si + 1}: the account IBAN ${acctIban} fails its checksum`);
      iban = acctIban;
    }
    let op: number | null = null;
    let cl: number | null = null;
    for (const b of arr<Record<string, any>>(st.Bal)) {
      const code = textOf(b.Tp?.CdOrPrtry?.Cd);
      const v = signedAmount(b, `Statement ${si + 1} balance ${code}`);
      const d = parseDate(textOf(b.Dt?.Dt) ?? textOf(b.Dt?.DtTm) ?? '') ?? '';
      if (code === 'OPBD' || code === 'PRCD') op = v;
      if (code === 'CLBD') {
        cl = v;
        if (d > statementDate) statementDate = d;
      }
    }
    let sum = 0;
    arr<Record<string, any>>(st.Ntry).forEach((n, ni) => {
      const where = `Statement ${si + 1}, entry ${ni + 1}`;
      const amount = signedAmount(n, where);
      const date = parseDate(textOf(n.BookgDt?.Dt) ?? textOf(n.BookgDt?.DtTm) ?? textOf(n.ValDt?.Dt) ?? '');
      if (!date) throw bad(`${where}: no booking date`);
      const tx = arr<Record<string, any>>(n.NtryDtls?.TxDtls)[0] ?? {};
      const parties = tx.RltdPties ?? {};
      const other = amount >= 0 ? parties.Dbtr : parties.Cdtr;
      const otherAcct = amount >= 0 ? parties.DbtrAcct : parties.CdtrAcct;
      const ref = textOf(tx.RmtInf?.Strd?.CdtrRefInf?.Ref) ?? textOf(tx.Refs?.EndToEndId) ?? textOf(n.AcctSvcrRef);
      lines.push({
        date,
        amountMinor: amount,
        reference: ref && ref !== 'NOTPROVIDED' ? ref : null,
        partnerName: textOf(other?.Nm) ?? textOf(other?.Pty?.Nm),
        counterpartyIban: textOf(otherAcct?.Id?.IBAN),
        description: arr(tx.RmtInf?.Ustrd).map(textOf).filter(Boolean).join(' ') || textOf(n.AddtlNtryInf),
      });
      sum += amount;
      if (date > statementDate) statementDate = date;
    });
    if (op !== null && cl !== null && op + sum !== cl) {
      throw bad(`Statement ${si + 1}: the balances do not add up (opening ${op / 100} + entries ${sum / 100} ≠ closing ${cl / 100}); the file is incomplete or was altered`);
    }
    if (si === 0) opening = op;
    closing = cl;
  });
  if (lines.length === 0) throw bad('The statement has no entries');
  return { statementDate, iban, openingMinor: opening, closingMinor: closing, lines };
}

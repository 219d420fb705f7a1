/**
 * Barcode parsing shared by the scan field (renderer) and the engine: EAN-13/UPC-A/EAN-8
 * product codes and GS1-128 element strings with the application identifiers a warehouse
 * needs: (01) GTIN, (10) lot, (17) expiry YYMMDD, (21) serial, (37) count.
 */
export interface ScanResult {
  /** Product code to look up (GTIN-14 reduced to EAN-13 when it has a leading 0). */
  gtin: string | null;
  lot: string | null;
  serial: string | null;
  /** ISO date (YYYY-MM-DD). */
  expiry: string | null;
  count: number | null;
  raw: string;
}

const GS = '\u001d';

/** Fixed-length AIs (data length) and variable ones (max length, ended by FNC1/GS). */
const AIS: Record<string, { fixed?: number; max?: number }> = {
  '00': { fixed: 18 },
  '01': { fixed: 14 },
  '02': { fixed: 14 },
  '10': { max: 20 },
  '11': { fixed: 6 },
  '13': { fixed: 6 },
  '15': { fixed: 6 },
  '17': { fixed: 6 },
  '21': { max: 20 },
  '37': { max: 8 },
};

export function gtinCheckDigitOk(code: string): boolean {
  if (!/^\d{8,14}$/.test(code)) return false;
  let sum = 0;
  for (let i = code.length - 2, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(code[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(code[code.length - 1]);
}

function gs1Date(yymmdd: string): string | null {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2));
  const mm = Number(yymmdd.slice(2, 4));
  let dd = Number(yymmdd.slice(4, 6));
  if (mm < 1 || mm > 12) return null;
  // GS1: a century window around the current year; we are well inside 2000–2049 for this app's life.
  const year = yy >= 50 ? 1900 + yy : 2000 + yy;
  // Day 00 means the last day of the month.
  if (dd === 0) dd = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  return `${year}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
}

export class ScanError extends Error {}

/** Parses a scan; throws ScanError with a message a picker understands. */
export function parseScan(input: string): ScanResult {
  let raw = input.replace(/\r|\n/g, '');
  const result: ScanResult = { gtin: null, lot: null, serial: null, expiry: null, count: null, raw };
  // Symbology identifiers some scanners prefix (]C1 = GS1-128, ]E0 = EAN-13, ]d2 = GS1 DataMatrix).
  const symbology = /^\](C1|E0|E4|d2|Q3)/.exec(raw);
  if (symbology) raw = raw.slice(3);
  if (/^\d{8}$|^\d{12,13}$/.test(raw)) {
    if (!gtinCheckDigitOk(raw)) throw new ScanError(`Barcode ${raw} has a wrong check digit — scan again`);
    result.gtin = raw.length === 12 ? `0${raw}` : raw;
    return result;
  }
  // Human-readable form "(01)09506000134352(17)271231(10)AB12".
  if (raw.startsWith('(')) raw = raw.replace(/\((\d{2,4})\)/g, (_m, ai: string, offset: number) => (offset === 0 ? ai : `${GS}${ai}`));
  let i = 0;
  while (i < raw.length) {
    if (raw[i] === GS) {
      i++;
      continue;
    }
    const ai = raw.slice(i, i + 2);
    const spec = AIS[ai];
    if (!spec) throw new ScanError(`Unknown GS1 application identifier (${ai}) in ${input}`);
    i += 2;
    let value: string;
    if (spec.fixed) {
      value = raw.slice(i, i + spec.fixed);
      if (value.length !== spec.fixed) throw new ScanError(`GS1 field (${ai}) is too short`);
      i += spec.fixed;
    } else {
      const end = raw.indexOf(GS, i);
      value = raw.slice(i, end === -1 ? raw.length : end).slice(0, spec.max);
      i += value.length;
    }
    switch (ai) {
      case '01':
      case '02':
        if (!gtinCheckDigitOk(value)) throw new ScanError(`GTIN ${value} has a wrong check digit`);
        result.gtin = value.startsWith('0') ? value.slice(1) : value;
        break;
      case '10':
        result.lot = value;
        break;
      case '21':
        result.serial = value;
        break;
      case '17':
        result.expiry = gs1Date(value);
        if (!result.expiry) throw new ScanError(`Expiry date (17) ${value} is not a valid YYMMDD date`);
        break;
      case '37':
        if (!/^\d+$/.test(value)) throw new ScanError(`Count (37) must be digits`);
        result.count = Number(value);
        break;
    }
  }
  if (!result.gtin && !result.lot && !result.serial) throw new ScanError(`Nothing recognisable in scan "${input}"`);
  return result;
}

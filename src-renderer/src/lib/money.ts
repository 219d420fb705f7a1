/**
 * Money is integer minor units (cents) everywhere. These helpers turn what a user types
 * ("1,234.5") into minor units and back without ever going through a float.
 */

export type MoneyParse = { ok: true; minor: number } | { ok: false; message: string };

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a decimal amount typed by a user into minor units, exactly (string arithmetic).
 * Accepts an optional leading minus, digits with optional "," thousands separators or spaces,
 * and at most two decimals: "12.5" → 1250, "-0.05" → -5, ".5" → 50, "1,234.56" → 123456.
 * The sign is kept so the shared schema can say what it thinks of negative amounts.
 */
export function parseMoney(input: string, fractionDigits = 2): MoneyParse {
  const raw = input.trim().replace(/[\s\u00a0]/g, '');
  if (raw === '') return { ok: false, message: 'Enter an amount' };
  const m = /^([-+]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/.exec(raw);
  if (!m) return { ok: false, message: 'Enter an amount like 12.50' };
  const [, sign = '', whole = '', fraction] = m;
  const wholeDigits = whole.replace(/,/g, '');
  if (wholeDigits === '' && (fraction === undefined || fraction === '')) return { ok: false, message: 'Enter an amount like 12.50' };
  const frac = fraction ?? '';
  if (frac.length > fractionDigits) {
    return { ok: false, message: `At most ${fractionDigits} decimals (${fractionDigits === 2 ? 'whole cents' : 'minor units'})` };
  }
  const digits = (wholeDigits === '' ? '0' : wholeDigits) + frac.padEnd(fractionDigits, '0');
  const magnitude = BigInt(digits);
  if (magnitude > MAX) return { ok: false, message: 'Amount is too large' };
  const minor = Number(magnitude);
  return { ok: true, minor: sign === '-' && minor !== 0 ? -minor : minor };
}

const separators = new Map<string, { group: string; decimal: string }>();
function separatorsOf(locale: string) {
  let s = separators.get(locale);
  if (!s) {
    const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(11111.5);
    s = {
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    };
    separators.set(locale, s);
  }
  return s;
}

export interface FormatMoneyOptions {
  locale?: string;
  /** An ISO currency code to show ("USD" → "$1,234.50"); omit for a plain amount. */
  currency?: string;
  /** Leave out thousands separators (for values placed back into an input). */
  grouping?: boolean;
  fractionDigits?: number;
}

/**
 * Formats minor units for display, exactly: the whole part goes through Intl.NumberFormat as a
 * BigInt (grouping, currency symbol) and the minor digits are appended as text.
 */
export function formatMoney(minor: number, options: FormatMoneyOptions = {}): string {
  if (!Number.isSafeInteger(minor)) return '—';
  const locale = options.locale ?? 'en-US';
  const digits = options.fractionDigits ?? 2;
  const negative = minor < 0;
  const abs = BigInt(Math.abs(minor));
  const unit = 10n ** BigInt(digits);
  const whole = abs / unit;
  const frac = (abs % unit).toString().padStart(digits, '0');
  const grouping = options.grouping ?? true;
  const { decimal } = separatorsOf(locale);
  if (options.currency) {
    const nf = new Intl.NumberFormat(locale, { style: 'currency', currency: options.currency, useGrouping: grouping, minimumFractionDigits: 0, maximumFractionDigits: 0 });
    const parts = nf.formatToParts(whole);
    // The minor digits go right after the last integer part, before any trailing symbol.
    const lastInteger = parts.map((p) => p.type).lastIndexOf('integer');
    const body = parts.map((p, i) => (i === lastInteger && digits > 0 ? `${p.value}${decimal}${frac}` : p.value)).join('');
    return negative ? `-${body}` : body;
  }
  const wholeText = new Intl.NumberFormat(locale, { useGrouping: grouping }).format(whole);
  return `${negative ? '-' : ''}${wholeText}${digits > 0 ? decimal + frac : ''}`;
}

/** The text to put in an input for an amount: "1234.50" (no grouping, "." as the decimal point). */
export function moneyInputValue(minor: number): string {
  return formatMoney(minor, { grouping: false, locale: 'en-US' });
}

/**
 * Weekly demand forecasting: pure functions over a series of weekly quantities (oldest first).
 *
 * No maintained npm package covers this (checked: `holtwinters` 0.0.1 is an unmaintained
 * stub, `arima` 0.2.8 is ARIMA only, without Croston), so the methods are small and tested here:
 *  - ETS(A,N,N) simple exponential smoothing, ETS(A,Ad,N) damped Holt, and additive
 *    Holt-Winters (ETS(A,A,A)) when two full seasons exist — for regular sellers;
 *  - Croston and its bias-corrected form SBA (Syntetos-Boylan) — for intermittent sellers.
 * The method is chosen per series by back-testing on the weeks just before the held-out
 * period; its accuracy is then measured on the held-out period (never seen when fitting) as
 * MASE and WAPE, beside the seasonal-naive forecast on the same weeks.
 */
import { FORECAST_DEFAULTS } from '../../../src-shared/contract/reports';

export type ForecastMethod = 'ses' | 'holt_damped' | 'holt_winters' | 'croston' | 'sba' | 'seasonal_naive';
export type DemandPattern = 'regular' | 'intermittent';

export interface Fitted {
  method: ForecastMethod;
  params: Record<string, number>;
  /** One-step-ahead fitted values: fitted[t] is the forecast of y[t] made from y[0..t-1]. */
  fitted: number[];
  /** Forecasts for the next h weeks after the series ends. */
  forecast(h: number): number[];
}

/** Weeks in a season: a year. With less than two years, the seasonal benchmark is plain naive (m = 1). */
export const YEAR_WEEKS = 52;

export function seasonLength(n: number): number {
  return n >= 2 * YEAR_WEEKS ? YEAR_WEEKS : 1;
}

/**
 * Average demand interval (weeks between non-zero weeks). Syntetos-Boylan: ADI > 1.32 is
 * intermittent (Croston/SBA), otherwise regular (smoothing methods).
 */
export function demandPattern(y: readonly number[]): { pattern: DemandPattern; adi: number } {
  const nonZero = y.filter((v) => v > 0).length;
  const adi = nonZero === 0 ? Infinity : y.length / nonZero;
  return { pattern: adi > 1.32 ? 'intermittent' : 'regular', adi };
}

const sumSq = (y: readonly number[], f: readonly number[], from: number) => {
  let s = 0;
  for (let t = from; t < y.length; t++) s += (y[t]! - f[t]!) ** 2;
  return s;
};

/** Seasonal naive: next value = the value one season (m weeks) earlier; m = 1 is naive. */
export function seasonalNaive(y: readonly number[], m: number): Fitted {
  const fitted = y.map((_, t) => (t >= m ? y[t - m]! : (y[0] ?? 0)));
  return {
    method: 'seasonal_naive',
    params: { m },
    fitted,
    forecast: (h) => Array.from({ length: h }, (_, i) => (y.length === 0 ? 0 : y[y.length - m + (i % m)] ?? y[y.length - 1]!)),
  };
}

function sesRun(y: readonly number[], alpha: number) {
  let level = y[0] ?? 0;
  const fitted: number[] = [];
  for (const v of y) {
    fitted.push(level);
    level = level + alpha * (v - level);
  }
  return { fitted, level };
}

/** ETS(A,N,N): level smoothing; alpha chosen on a grid by one-step squared error. */
export function ses(y: readonly number[]): Fitted {
  let best = { alpha: 0.1, sse: Infinity };
  for (const alpha of [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9]) {
    const sse = sumSq(y, sesRun(y, alpha).fitted, 1);
    if (sse < best.sse) best = { alpha, sse };
  }
  const run = sesRun(y, best.alpha);
  return { method: 'ses', params: { alpha: best.alpha }, fitted: run.fitted, forecast: (h) => Array(h).fill(Math.max(0, run.level)) };
}

function holtRun(y: readonly number[], alpha: number, beta: number, phi: number) {
  let level = y[0] ?? 0;
  let trend = y.length > 1 ? (y[Math.min(3, y.length - 1)]! - y[0]!) / Math.min(3, y.length - 1) : 0;
  const fitted: number[] = [];
  for (const v of y) {
    fitted.push(level + phi * trend);
    const prev = level;
    level = alpha * v + (1 - alpha) * (level + phi * trend);
    trend = beta * (level - prev) + (1 - beta) * phi * trend;
  }
  return { fitted, level, trend };
}

/** ETS(A,Ad,N): damped-trend Holt; the damping keeps long forecasts from running away. */
export function holtDamped(y: readonly number[]): Fitted {
  let best = { alpha: 0.2, beta: 0.05, phi: 0.9, sse: Infinity };
  for (const alpha of [0.05, 0.1, 0.2, 0.3, 0.5, 0.8])
    for (const beta of [0.01, 0.05, 0.1, 0.2])
      for (const phi of [0.8, 0.9, 0.98]) {
        const sse = sumSq(y, holtRun(y, alpha, beta, phi).fitted, 2);
        if (sse < best.sse) best = { alpha, beta, phi, sse };
      }
  const run = holtRun(y, best.alpha, best.beta, best.phi);
  return {
    method: 'holt_damped',
    params: { alpha: best.alpha, beta: best.beta, phi: best.phi },
    fitted: run.fitted,
    forecast: (h) => {
      const out: number[] = [];
      let damp = 0;
      for (let i = 1; i <= h; i++) {
        damp += best.phi ** i;
        out.push(Math.max(0, run.level + damp * run.trend));
      }
      return out;
    },
  };
}

function hwRun(y: readonly number[], m: number, alpha: number, beta: number, gamma: number) {
  // Start from the first two seasons: level and trend from their means, seasonal indices from
  // the first season with the trend taken out; the state then stands at the end of season one.
  const mean = (from: number) => y.slice(from, from + m).reduce((a, b) => a + b, 0) / m;
  const l0 = mean(0);
  let trend = (mean(m) - mean(0)) / m;
  const mid = (m - 1) / 2;
  const season = y.slice(0, m).map((v, i) => v - (l0 + (i - mid) * trend));
  let level = l0 + mid * trend;
  const fitted: number[] = y.slice(0, m).map((v) => v);
  for (let t = m; t < y.length; t++) {
    const v = y[t]!;
    const s = season[t % m]!;
    fitted.push(level + trend + s);
    const prev = level;
    level = alpha * (v - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - prev) + (1 - beta) * trend;
    season[t % m] = gamma * (v - level) + (1 - gamma) * s;
  }
  return { fitted, level, trend, season };
}

/** Additive Holt-Winters (ETS(A,A,A)) with season m; needs two full seasons. */
export function holtWinters(y: readonly number[], m: number): Fitted {
  let best = { alpha: 0.2, beta: 0.01, gamma: 0.1, sse: Infinity };
  for (const alpha of [0.05, 0.1, 0.2, 0.4])
    for (const beta of [0.01, 0.05])
      for (const gamma of [0.05, 0.1, 0.3]) {
        const sse = sumSq(y, hwRun(y, m, alpha, beta, gamma).fitted, m);
        if (sse < best.sse) best = { alpha, beta, gamma, sse };
      }
  const run = hwRun(y, m, best.alpha, best.beta, best.gamma);
  const n = y.length;
  return {
    method: 'holt_winters',
    params: { alpha: best.alpha, beta: best.beta, gamma: best.gamma, m },
    fitted: run.fitted,
    forecast: (h) => Array.from({ length: h }, (_, i) => Math.max(0, run.level + (i + 1) * run.trend + run.season[(n + i) % m]!)),
  };
}

function crostonRun(y: readonly number[], alpha: number, sba: boolean) {
  const first = y.findIndex((v) => v > 0);
  let size = first >= 0 ? y[first]! : 0;
  let interval = first >= 0 ? first + 1 : 1;
  let since = 1;
  const factor = sba ? 1 - alpha / 2 : 1;
  const fitted: number[] = [];
  for (const v of y) {
    fitted.push(first < 0 ? 0 : (factor * size) / interval);
    if (v > 0) {
      size = size + alpha * (v - size);
      interval = interval + alpha * (since - interval);
      since = 1;
    } else since++;
  }
  return { fitted, rate: first < 0 ? 0 : (factor * size) / interval };
}

/**
 * Croston: smooths the size of non-zero demands and the interval between them separately;
 * the forecast is size ÷ interval per week. SBA multiplies by (1 − α/2) to remove Croston's bias.
 */
export function croston(y: readonly number[], variant: 'croston' | 'sba' = 'croston'): Fitted {
  let best = { alpha: 0.1, sse: Infinity };
  for (const alpha of [0.05, 0.1, 0.15, 0.2, 0.3]) {
    const sse = sumSq(y, crostonRun(y, alpha, variant === 'sba').fitted, 1);
    if (sse < best.sse) best = { alpha, sse };
  }
  const run = crostonRun(y, best.alpha, variant === 'sba');
  return { method: variant, params: { alpha: best.alpha }, fitted: run.fitted, forecast: (h) => Array(h).fill(run.rate) };
}

export function fitMethod(method: ForecastMethod, y: readonly number[]): Fitted {
  switch (method) {
    case 'ses':
      return ses(y);
    case 'holt_damped':
      return holtDamped(y);
    case 'holt_winters':
      return holtWinters(y, YEAR_WEEKS);
    case 'croston':
      return croston(y, 'croston');
    case 'sba':
      return croston(y, 'sba');
    case 'seasonal_naive':
      return seasonalNaive(y, seasonLength(y.length));
  }
}

/** The candidate methods for a series of this pattern and length. */
export function candidates(pattern: DemandPattern, n: number): ForecastMethod[] {
  if (pattern === 'intermittent') return ['sba', 'croston', 'ses'];
  return n >= 2 * YEAR_WEEKS + 8 ? ['ses', 'holt_damped', 'holt_winters'] : ['ses', 'holt_damped'];
}

const absErr = (actual: readonly number[], forecast: readonly number[]) => actual.reduce((s, v, i) => s + Math.abs(v - forecast[i]!), 0);

/** Mean absolute one-step error of the seasonal-naive method inside the training data: MASE's scale. */
export function naiveScale(train: readonly number[], m: number): number {
  let s = 0;
  let k = 0;
  for (let t = m; t < train.length; t++) {
    s += Math.abs(train[t]! - train[t - m]!);
    k++;
  }
  return k === 0 ? 0 : s / k;
}

/**
 * MASE = mean |actual − forecast| over the held-out weeks ÷ mean |y_t − y_{t−m}| over the
 * training weeks (the in-sample seasonal-naive error). Null when the scale is zero.
 */
export function mase(train: readonly number[], actual: readonly number[], forecast: readonly number[], m: number): number | null {
  const scale = naiveScale(train, m);
  if (scale === 0 || actual.length === 0) return null;
  return absErr(actual, forecast) / actual.length / scale;
}

/** WAPE = Σ |actual − forecast| ÷ Σ actual over the held-out weeks. Null when nothing sold. */
export function wape(actual: readonly number[], forecast: readonly number[]): number | null {
  const total = actual.reduce((a, b) => a + b, 0);
  return total === 0 ? null : absErr(actual, forecast) / total;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export interface SeriesResult {
  method: ForecastMethod;
  params: Record<string, number>;
  pattern: DemandPattern;
  /** Accuracy on the held-out weeks (fit on the weeks before them). */
  mase: number | null;
  wape: number | null;
  naiveMase: number | null;
  naiveWape: number | null;
  /** The benchmark's season: 52 (seasonal naive) when two years precede the held-out weeks, else 1 (naive). */
  naiveSeason: number;
  holdoutAbsError: number;
  holdoutNaiveAbsError: number;
  holdoutActual: number;
  /** Spread of the one-step residuals of the final fit (for warnings and safety stock). */
  residualMad: number;
  errorSd: number;
  meanDemand: number;
  /** The last week: what sold and what the model expected from the weeks before it. */
  lastActual: number;
  lastExpected: number;
  /**
   * The noise unit of the robust score: 1.4826 × MAD of the residuals before the last week (≈ σ
   * for normal noise), never below √(expected) (count noise) nor, for intermittent sellers,
   * below the typical non-zero week (their sales come in lumps; a usual lump is no spike).
   */
  scale: number;
  forecast: number[];
}

export interface ForecastOptions {
  /** Weeks held out to measure accuracy. */
  holdout: number;
  /** Weeks before the held-out ones used to choose the method. */
  backtest: number;
  horizon: number;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = { holdout: FORECAST_DEFAULTS.holdoutWeeks, backtest: FORECAST_DEFAULTS.backtestWeeks, horizon: FORECAST_DEFAULTS.horizonWeeks };

/**
 * Chooses, evaluates and fits one series:
 *  1. back-test: fit each candidate on y[0 .. n−H−B), forecast the B weeks after, keep the
 *     lowest absolute error;
 *  2. evaluate: fit the chosen method on y[0 .. n−H), forecast the H held-out weeks; MASE and
 *     WAPE beside the seasonal-naive forecast of the same weeks;
 *  3. fit on all weeks and forecast the horizon.
 */
export function forecastSeries(y: readonly number[], options: ForecastOptions = DEFAULT_FORECAST_OPTIONS): SeriesResult {
  const n = y.length;
  const { holdout: H, backtest: B, horizon } = options;
  const { pattern } = demandPattern(y.slice(0, Math.max(1, n - H)));
  const trainEnd = Math.max(1, n - H);
  const train = y.slice(0, trainEnd);
  const actual = y.slice(trainEnd);
  const m = seasonLength(train.length);

  let method: ForecastMethod = pattern === 'intermittent' ? 'sba' : 'ses';
  const choices = candidates(pattern, train.length);
  const btEnd = train.length - B;
  if (btEnd >= 8) {
    let bestErr = Infinity;
    const btActual = train.slice(btEnd);
    for (const c of choices) {
      if (c === 'holt_winters' && btEnd < 2 * YEAR_WEEKS) continue;
      const err = absErr(btActual, fitMethod(c, train.slice(0, btEnd)).forecast(B));
      if (err < bestErr - 1e-9) {
        bestErr = err;
        method = c;
      }
    }
  }
  const evalFit = fitMethod(method, train);
  const evalForecast = evalFit.forecast(actual.length);
  const naiveForecast = seasonalNaive(train, m).forecast(actual.length);

  const final = fitMethod(method, y);
  const residuals = y.map((v, t) => v - final.fitted[t]!).slice(1);
  const before = residuals.slice(0, -1);
  const errorSd = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / Math.max(1, residuals.length));
  return {
    method,
    params: final.params,
    pattern,
    mase: mase(train, actual, evalForecast, m),
    wape: wape(actual, evalForecast),
    naiveMase: mase(train, actual, naiveForecast, m),
    naiveWape: wape(actual, naiveForecast),
    naiveSeason: m,
    holdoutAbsError: absErr(actual, evalForecast),
    holdoutNaiveAbsError: absErr(actual, naiveForecast),
    holdoutActual: actual.reduce((a, b) => a + b, 0),
    residualMad: mad(before),
    scale: robustScale(before, final.fitted[n - 1] ?? 0, pattern === 'intermittent' ? median(y.slice(0, -1).filter((v) => v > 0)) : 0),
    errorSd,
    meanDemand: n === 0 ? 0 : y.reduce((a, b) => a + b, 0) / n,
    lastActual: y[n - 1] ?? 0,
    lastExpected: final.fitted[n - 1] ?? 0,
    forecast: final.forecast(horizon),
  };
}

/** See SeriesResult.scale. */
export function robustScale(residuals: readonly number[], expected: number, typicalLump: number): number {
  return Math.max(1.4826 * mad(residuals), Math.sqrt(Math.max(expected, 1)), typicalLump);
}

/** Robust deviation score of the last week: (actual − expected) ÷ scale. */
export function deviationScore(actual: number, expected: number, scale: number): number {
  return scale > 0 ? (actual - expected) / scale : 0;
}

// --- safety stock ------------------------------------------------------------------------

/** Inverse of the standard normal distribution (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('probability must be between 0 and 1');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface SafetyStockInput {
  /** Target cycle service level: the probability of not running out during a replenishment, 0.5–0.9999. */
  serviceLevel: number;
  /** Standard deviation of the one-week-ahead forecast error, in units. */
  weeklyErrorSd: number;
  /** Vendor lead time in days (plus the review period, for periodic review). */
  leadTimeDays: number;
  reviewPeriodDays?: number;
}

/**
 * Safety stock = z(service level) × σ₁ × √((lead time + review period) ÷ 7), rounded up to
 * whole units: the forecast error over the protection interval, assuming weekly errors are
 * independent (their variances add up). Zero at a 50 % service level or without error.
 */
export function safetyStock(input: SafetyStockInput): number {
  const { serviceLevel, weeklyErrorSd, leadTimeDays, reviewPeriodDays = 0 } = input;
  if (!(serviceLevel >= 0.5 && serviceLevel < 1)) throw new RangeError('service level must be at least 0.5 and below 1');
  if (weeklyErrorSd < 0 || leadTimeDays < 0 || reviewPeriodDays < 0) throw new RangeError('error and lead time cannot be negative');
  const z = normalQuantile(serviceLevel);
  const value = z * weeklyErrorSd * Math.sqrt((leadTimeDays + reviewPeriodDays) / 7);
  return Math.max(0, Math.ceil(value - 1e-9));
}

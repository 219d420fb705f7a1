import { sql } from 'kysely';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { DEFAULT_FORECAST_OPTIONS, type ForecastMethod, type ForecastOptions, forecastSeries, safetyStock } from './forecast';
import { isoDay } from './refresh';

/**
 * Forecast runs over the database: weekly demand (units shipped to customers, Monday weeks,
 * from report_stock_day) per product and warehouse, each series fitted by forecast.ts, the
 * chosen model and its errors stored in forecast_model. A run reports progress and stops
 * when cancelled (the command's transaction then rolls back: nothing of it is kept).
 */
type AnyDb = Db | Tx;
const DAY_MS = 86_400_000;
export const weekOfDay = (dayNo: number) => Math.floor((dayNo + 3) / 7);
export const weekStart = (week: number) => isoDay((week * 7 - 3) * DAY_MS);

/** Runs in progress in this process; cancel aborts them all. */
const running = new Set<AbortController>();
export function cancelForecastRuns(): boolean {
  const any = running.size > 0;
  for (const c of running) c.abort();
  return any;
}

export interface WeeklySeries {
  productId: string;
  warehouseId: string;
  firstWeek: number;
  values: number[];
}

/** The last complete week before `now`, and the weekly demand series up to it. */
export async function weeklyDemand(db: AnyDb, now: string, scope: { warehouseId?: string; productIds?: string[] } = {}): Promise<WeeklySeries[]> {
  const lastWeek = weekOfDay(Math.floor(Date.parse(now) / DAY_MS)) - 1;
  const firstRow = await sql<{ d: number | null }>`SELECT min(day_no) AS d FROM report_stock_day WHERE out_qty > 0`.execute(db);
  if (firstRow.rows[0]?.d == null) return [];
  // The first week counts only if it is complete (history starts mid-week otherwise).
  const firstDay = Number(firstRow.rows[0].d);
  const firstWeek = weekOfDay(firstDay) + (weekOfDay(firstDay) * 7 - 3 === firstDay ? 0 : 1);
  if (firstWeek > lastWeek) return [];
  const fromDay = firstWeek * 7 - 3;
  const toDay = lastWeek * 7 + 3;
  const rows = await sql<{ product_id: string; warehouse_id: string; wk: number; q: number }>`
    SELECT product_id, warehouse_id, CAST((day_no + 3) / 7 AS INTEGER) AS wk, SUM(out_qty) AS q FROM report_stock_day
    WHERE out_qty > 0 AND day_no >= ${fromDay} AND day_no <= ${toDay}
      ${scope.warehouseId ? sql`AND warehouse_id = ${scope.warehouseId}` : sql``}
      ${scope.productIds?.length ? sql`AND product_id IN (${sql.join(scope.productIds)})` : sql``}
    GROUP BY product_id, warehouse_id, CAST((day_no + 3) / 7 AS INTEGER)`.execute(db);
  const n = lastWeek - firstWeek + 1;
  const series = new Map<string, WeeklySeries>();
  for (const r of rows.rows) {
    const key = `${r.product_id}|${r.warehouse_id}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { productId: r.product_id, warehouseId: r.warehouse_id, firstWeek, values: Array(n).fill(0) }));
    s.values[Number(r.wk) - firstWeek] = Number(r.q);
  }
  return [...series.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : a.warehouseId < b.warehouseId ? -1 : 1));
}

export interface RunOptions {
  now: string;
  warehouseId?: string;
  productIds?: string[];
  holdoutWeeks?: number;
  horizonWeeks?: number;
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Forecasts every series in scope and replaces its stored model. */
export async function runForecast(db: AnyDb, options: RunOptions) {
  const controller = new AbortController();
  running.add(controller);
  const abort = () => controller.abort();
  options.signal?.addEventListener('abort', abort);
  try {
    const series = await weeklyDemand(db, options.now, options);
    const fo: ForecastOptions = { ...DEFAULT_FORECAST_OPTIONS, holdout: options.holdoutWeeks ?? DEFAULT_FORECAST_OPTIONS.holdout, horizon: options.horizonWeeks ?? DEFAULT_FORECAST_OPTIONS.horizon };
    const minWeeks = fo.holdout + 8;
    const rows: Record<string, unknown>[] = [];
    let done = 0;
    options.progress?.(0, series.length);
    for (const s of series) {
      if (controller.signal.aborted) throw new DomainError('BUSINESS_RULE', 'The forecast run was cancelled; nothing of it was kept', { cancelled: true });
      if (s.values.length >= minWeeks) {
        const r = forecastSeries(s.values, fo);
        const lastWeek = s.firstWeek + s.values.length - 1;
        rows.push({
          product_id: s.productId,
          warehouse_id: s.warehouseId,
          method: r.method,
          params: JSON.stringify({ ...r.params, scale: round(r.scale), naiveSeason: r.naiveSeason }),
          pattern: r.pattern,
          mase: roundOrNull(r.mase),
          wape: roundOrNull(r.wape),
          naive_mase: roundOrNull(r.naiveMase),
          naive_wape: roundOrNull(r.naiveWape),
          holdout_abs_error: round(r.holdoutAbsError),
          holdout_naive_abs_error: round(r.holdoutNaiveAbsError),
          holdout_actual: r.holdoutActual,
          residual_mad: round(r.residualMad),
          error_sd: round(r.errorSd),
          mean_demand: round(r.meanDemand),
          last_week_no: lastWeek,
          last_actual: r.lastActual,
          last_expected: round(r.lastExpected),
          forecast: JSON.stringify(r.forecast.map(round)),
          computed_at: options.now,
        });
      }
      done++;
      // Let the event loop breathe (progress events out, a cancel in) every few hundred series.
      if (done % 250 === 0) {
        options.progress?.(done, series.length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    options.progress?.(series.length, series.length);
    if (controller.signal.aborted) throw new DomainError('BUSINESS_RULE', 'The forecast run was cancelled; nothing of it was kept', { cancelled: true });
    if (options.productIds?.length) await sql`DELETE FROM forecast_model WHERE product_id IN (${sql.join(options.productIds)}) ${options.warehouseId ? sql`AND warehouse_id = ${options.warehouseId}` : sql``}`.execute(db);
    else if (options.warehouseId) await sql`DELETE FROM forecast_model WHERE warehouse_id = ${options.warehouseId}`.execute(db);
    else await sql`DELETE FROM forecast_model`.execute(db);
    for (let i = 0; i < rows.length; i += 200) {
      const part = rows.slice(i, i + 200);
      const cols = Object.keys(part[0]!);
      await sql`INSERT INTO forecast_model (${sql.join(cols.map((c) => sql.ref(c)))}) VALUES ${sql.join(part.map((r) => sql`(${sql.join(cols.map((c) => r[c]))})`))}`.execute(db);
    }
    return forecastSummary(db, options.warehouseId);
  } finally {
    options.signal?.removeEventListener('abort', abort);
    running.delete(controller);
  }
}

/** Stored to a millionth: enough for errors and forecasts, and no denormal floats. */
const round = (v: number) => Math.round(v * 1e6) / 1e6;
const roundOrNull = (v: number | null) => (v === null ? null : round(v));

/** Accuracy over all stored series: WAPE pooled over the held-out weeks; MASE averaged. */
export async function forecastSummary(db: AnyDb, warehouseId?: string) {
  const w = warehouseId ? sql`WHERE warehouse_id = ${warehouseId}` : sql``;
  const totals = await sql<{ n: number; err: number | null; nerr: number | null; act: number | null; mase: number | null; nmase: number | null; at: string | null }>`
    SELECT count(*) AS n, SUM(holdout_abs_error) AS err, SUM(holdout_naive_abs_error) AS nerr, SUM(holdout_actual) AS act,
      AVG(CASE WHEN mase IS NOT NULL AND naive_mase IS NOT NULL THEN mase END) AS mase, AVG(CASE WHEN mase IS NOT NULL AND naive_mase IS NOT NULL THEN naive_mase END) AS nmase, MAX(computed_at) AS at
    FROM forecast_model ${w}`.execute(db);
  const methods = await sql<{ method: ForecastMethod; n: number }>`SELECT method, count(*) AS n FROM forecast_model ${w} GROUP BY method ORDER BY method`.execute(db);
  // Every series of a run spans the same weeks, so one row tells the benchmark's season.
  const one = await sql<{ params: string }>`SELECT params FROM forecast_model ${w} LIMIT 1`.execute(db);
  const naiveSeason = one.rows[0] ? ((JSON.parse(one.rows[0].params) as { naiveSeason?: number }).naiveSeason ?? null) : null;
  const t = totals.rows[0]!;
  const act = Number(t.act ?? 0);
  return {
    series: Number(t.n),
    byMethod: methods.rows.map((m) => ({ method: m.method, count: Number(m.n) })),
    wape: act > 0 ? Number(t.err) / act : null,
    naiveWape: act > 0 ? Number(t.nerr) / act : null,
    mase: t.mase == null ? null : Number(t.mase),
    naiveMase: t.nmase == null ? null : Number(t.nmase),
    naiveSeason,
    computedAt: t.at == null ? null : new Date(t.at).toISOString(),
  };
}

export async function storedModel(db: AnyDb, productId: string, warehouseId: string) {
  const r = await sql<{ method: ForecastMethod; pattern: string; mase: number | null; wape: number | null; naive_mase: number | null; error_sd: number; forecast: string; last_week_no: number }>`
    SELECT method, pattern, mase, wape, naive_mase, error_sd, forecast, last_week_no FROM forecast_model WHERE product_id = ${productId} AND warehouse_id = ${warehouseId}`.execute(db);
  return r.rows[0] ?? null;
}

/**
 * Safety stock for a product at a warehouse from its stored forecast model — the function
 * purchasing's demand-driven reorder rules call. Without a model (never forecast, too little
 * history) it returns 0 with method null, and the caller keeps its own minimum.
 */
export async function safetyStockFor(db: AnyDb, input: { productId: string; warehouseId: string; serviceLevel: number; leadTimeDays: number; reviewPeriodDays?: number }) {
  const model = await storedModel(db, input.productId, input.warehouseId);
  if (!model) return { safetyStock: 0, weeklyErrorSd: 0, weeklyForecast: 0, method: null };
  const forecast = JSON.parse(model.forecast) as number[];
  const weeklyErrorSd = Number(model.error_sd);
  return {
    safetyStock: safetyStock({ serviceLevel: input.serviceLevel, weeklyErrorSd, leadTimeDays: input.leadTimeDays, reviewPeriodDays: input.reviewPeriodDays }),
    weeklyErrorSd,
    weeklyForecast: forecast[0] ?? 0,
    method: model.method,
  };
}

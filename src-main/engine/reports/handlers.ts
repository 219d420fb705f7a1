import { sql } from 'kysely';
import { defineHandlers } from '../platform/context';
import { notFound } from '../platform/errors';
import { drill } from './drill';
import { exportKpi } from './export';
import { cancelForecastRuns, forecastSummary, runForecast, safetyStockFor, storedModel, weekStart, weeklyDemand } from './forecast-run';
import { checkSegments, computeKpi } from './kpis';
import { returnBreakdown } from './returns';
import { pauseRefresh, refreshReports, refreshStatus, refreshStep, resumeRefresh } from './refresh';
import { demandWarnings, exceptionsInbox, lateOrders } from './warnings';

export const reportsHandlers = defineHandlers({
  'reports.refresh': async (ctx, input) => {
    const r = await refreshReports(ctx.db, ctx.dialect, { rebuild: input.rebuild, now: ctx.now, progress: (d, t) => ctx.services.progress('reports.refresh', d, t) });
    ctx.summarize(input.rebuild ? 'Rebuilt the report tables' : 'Refreshed the report tables');
    return r;
  },
  'reports.refresh.step': async (ctx) => {
    const r = await refreshStep(ctx.db, ctx.dialect, { now: ctx.now });
    if (r.total > 0) ctx.services.progress('reports.refresh', Math.min(r.done, r.total), r.total);
    ctx.summarize(r.more ? `Report tables: took in ${r.moves} moves, ${r.shipments} shipments, ${r.receipts} receipt lines` : 'Report tables up to date');
    return r;
  },
  'reports.refresh.status': (ctx) => refreshStatus(ctx.db, ctx.dialect),
  'reports.refresh.cancel': async (ctx) => {
    await pauseRefresh(ctx.db, ctx.now);
    ctx.summarize('Paused the background refresh of the report tables');
    return refreshStatus(ctx.db, ctx.dialect);
  },
  'reports.refresh.resume': async (ctx) => {
    await resumeRefresh(ctx.db);
    ctx.summarize('Resumed the background refresh of the report tables');
    return refreshStatus(ctx.db, ctx.dialect);
  },
  'reports.kpi': (ctx, input) => computeKpi(ctx, input.kpi, input.filter, input.groupBy, { tolerancePct: input.tolerancePct }),
  'reports.kpis': async (ctx, input) => {
    const results = [];
    for (const kpi of input.kpis) results.push(await computeKpi(ctx, kpi, input.filter, 'none'));
    return { results };
  },
  'reports.returns.breakdown': (ctx, input) => returnBreakdown(ctx.db, ctx.install, input.filter, input.groupBy, input.limit),
  'reports.drill': (ctx, input) => {
    checkSegments(input.kpi, input.filter, 'none');
    return drill(ctx.db, input.kpi, input.filter, input.failingOnly, input.offset, input.limit);
  },
  'reports.export': async (ctx, input) => exportKpi(await computeKpi(ctx, input.kpi, input.filter, input.groupBy), input.filter, input.format),
  'reports.forecast.run': async (ctx, input) => {
    const summary = await runForecast(ctx.db, {
      now: ctx.now,
      warehouseId: input.warehouseId,
      productIds: input.productIds,
      holdoutWeeks: input.holdoutWeeks,
      horizonWeeks: input.horizonWeeks,
      progress: (d, t) => ctx.services.progress('reports.forecast', d, t),
    });
    ctx.summarize(`Forecast ${summary.series} series`);
    return summary;
  },
  'reports.forecast.cancel': async () => ({ cancelled: cancelForecastRuns() }),
  'reports.forecast.summary': (ctx, input) => forecastSummary(ctx.db, input.warehouseId),
  'reports.forecast.series': async (ctx, input) => {
    const product = await sql<{ id: string }>`SELECT id FROM product WHERE id = ${input.productId}`.execute(ctx.db);
    if (!product.rows[0]) throw notFound('The product');
    const now = new Date().toISOString();
    const series = (await weeklyDemand(ctx.db, now, { warehouseId: input.warehouseId, productIds: [input.productId] }))[0];
    const model = await storedModel(ctx.db, input.productId, input.warehouseId);
    const history = series ? series.values.map((q, i) => ({ week: weekStart(series.firstWeek + i), quantity: q })) : [];
    const forecast = model ? (JSON.parse(model.forecast) as number[]).map((q, i) => ({ week: weekStart(Number(model.last_week_no) + 1 + i), quantity: q })) : [];
    return {
      history,
      forecast,
      model: model
        ? { method: model.method, pattern: model.pattern, mase: model.mase == null ? null : Number(model.mase), wape: model.wape == null ? null : Number(model.wape), naiveMase: model.naive_mase == null ? null : Number(model.naive_mase), errorSd: Number(model.error_sd) }
        : null,
    };
  },
  'reports.safetyStock': (ctx, input) => safetyStockFor(ctx.db, input),
  'reports.warnings.demand': async (ctx, input) => ({ rows: await demandWarnings(ctx.db, input.threshold, input.limit) }),
  'reports.warnings.lateOrders': async (ctx, input) => ({ rows: await lateOrders(ctx.db, new Date().toISOString(), input.minRisk, input.limit) }),
  'reports.exceptions': async (ctx, input) => ({ rows: await exceptionsInbox(ctx.db, new Date().toISOString(), input.limit) }),
});

import { Alert, Badge, Button, Card, Group, Loader, Menu, Pagination, Progress, Select, SimpleGrid, Switch, Table, Text, TextInput } from '@mantine/core';
import { IconDownload, IconFileSpreadsheet, IconFileTypePdf, IconListSearch, IconRefresh } from '@tabler/icons-react';
import { useCallback, useMemo, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { KPI_IDS, KPI_LABELS, KPI_SEGMENTS, RETURN_BREAKDOWN_BYS, ROLE_DASHBOARDS, type GroupBy, type KpiId, type KpiResult, type RefreshStatus, type ReportFilter } from '../../../src-shared/contract/reports';
import type { Role } from '../../../src-shared/permissions';
import { ROLES } from '../../../src-shared/permissions';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { useEngineQuery } from '../ui/useEngineQuery';
import { downloadBase64 } from '../warehouse/download';
import { BarChart, LineChart } from './charts';
import './reports.css';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const STORE = 'bl.reports.filter';

const GROUP_LABEL: Record<GroupBy, string> = { none: 'total', warehouse: 'by warehouse', region: 'by region', customerClass: 'by customer class', channel: 'by channel', month: 'by month', week: 'by week' };
/** Figures that take the customer segments (region, class, channel): KPI_SEGMENTS says which, and why the others do not. */
const takesCustomerSegments = (kpi: KpiId) => KPI_SEGMENTS[kpi].applies.includes('channel');

export function formatKpi(unit: KpiResult['unit'], v: number | null): string {
  if (v === null || Number.isNaN(v)) return '—';
  if (unit === 'percent') return `${(v * 100).toFixed(1)} %`;
  if (unit === 'turns') return `${v.toFixed(2)}×`;
  if (unit === 'hours') return `${v.toFixed(1)} h`;
  return `${v.toFixed(0)} d`;
}

/** The period and segment filters, kept for the session so a drill-down and back keep them. */
export function useReportFilter(): [ReportFilter, (f: ReportFilter) => void] {
  const [filter, setFilter] = useState<ReportFilter>(() => {
    try {
      const saved = sessionStorage.getItem(STORE);
      if (saved) return JSON.parse(saved) as ReportFilter;
    } catch {
      // no stored filter
    }
    return { from: iso(Date.now() - 89 * DAY), to: iso(Date.now()) };
  });
  const set = useCallback((f: ReportFilter) => {
    sessionStorage.setItem(STORE, JSON.stringify(f));
    setFilter(f);
  }, []);
  return [filter, set];
}

/** Route: "reports" (dashboard) or "reports/drill/<kpi>". */
export function ReportsRoute({ route }: { route: string }) {
  const m = /^reports\/drill\/([a-z_]+)$/.exec(route);
  if (m && (KPI_IDS as readonly string[]).includes(m[1]!)) return <DrillPage kpi={m[1] as KpiId} />;
  return <DashboardPage />;
}

function FilterBar({ filter, onChange, customerSegments = true }: { filter: ReportFilter; onChange: (f: ReportFilter) => void; customerSegments?: boolean }) {
  const warehouses = useEngineQuery(() => client.call('inventory.warehouse.list', {}), []);
  const whOptions = (warehouses.data?.rows ?? []).map((w) => ({ value: w.id, label: w.code }));
  const set = (patch: Partial<ReportFilter>) => {
    const next = { ...filter, ...patch };
    for (const k of Object.keys(next) as (keyof ReportFilter)[]) if (next[k] === undefined || next[k] === null || next[k] === '') delete next[k];
    onChange(next);
  };
  return (
    <>
      <TextInput type="date" label="From" w={150} value={filter.from} onChange={(e) => e.currentTarget.value && set({ from: e.currentTarget.value })} />
      <TextInput type="date" label="To" w={150} value={filter.to} onChange={(e) => e.currentTarget.value && set({ to: e.currentTarget.value })} />
      <Select label="Warehouse" placeholder="All" clearable w={120} data={whOptions} value={filter.warehouseId ?? null} onChange={(v) => set({ warehouseId: v ?? undefined })} />
      {customerSegments && (
        <>
          <Select label="Region" placeholder="All" clearable w={120} data={['North', 'South', 'East', 'West', 'Central']} value={filter.region ?? null} onChange={(v) => set({ region: v ?? undefined })} />
          <Select label="Customer class" placeholder="All" clearable w={150} data={[{ value: 'key_account', label: 'Key account' }, { value: 'regular', label: 'Regular' }, { value: 'consumer', label: 'Consumer' }]} value={filter.customerClass ?? null} onChange={(v) => set({ customerClass: v ?? undefined })} />
          <Select label="Channel" placeholder="All" clearable w={140} data={['rep', 'portal', 'ecommerce', 'marketplace', 'edi', 'contract']} value={filter.channel ?? null} onChange={(v) => set({ channel: v ?? undefined })} />
        </>
      )}
    </>
  );
}

/** Customer segments (region, class, channel) only apply to the order figures; stock figures get the rest. */
function filterFor(kpi: KpiId, f: ReportFilter): ReportFilter {
  if (takesCustomerSegments(kpi)) return f;
  return { from: f.from, to: f.to, ...(f.warehouseId ? { warehouseId: f.warehouseId } : {}) };
}

function DashboardPage() {
  const { session } = useSession();
  const roles = session.user.roles as Role[];
  const [role, setRole] = useState<Role>(roles.includes('admin') ? 'admin' : (roles[0] ?? 'admin'));
  const [filter, setFilter] = useReportFilter();
  // The host keeps the report tables fresh in the background; the dashboard never waits for
  // it: it reads what is aggregated and says how fresh that is (or how far a refresh has got).
  const status = useEngineQuery(() => client.call('reports.refresh.status', {}), []);
  useReloadOnCommit('reports.refresh', status.reload);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = useCallback(
    async (method: 'reports.refresh.cancel' | 'reports.refresh.resume') => {
      try {
        status.setData(await client.call(method, {}));
        setActionError(null);
      } catch (e) {
        setActionError(messageOf(e));
      }
    },
    [status],
  );
  // Figures are read again whenever a catch-up finishes (its "as of" moves).
  const refreshed = status.data ? `${status.data.asOf ?? 'never'}` : '';
  const key = JSON.stringify(filter);
  const tiles = useEngineQuery(
    async () => {
      if (refreshed === '') return null;
      const results = await Promise.all(KPI_IDS.map((k) => client.call('reports.kpi', { kpi: k, filter: filterFor(k, filter) })));
      return results;
    },
    [key, refreshed],
  );
  const refreshError = actionError ?? status.error;
  return (
    <div className="bl-page">
      <PageHeader
        title="Dashboards"
        actions={
          <Button variant="default" leftSection={<IconRefresh size={14} />} onClick={() => void act('reports.refresh.resume')}>
            Refresh
          </Button>
        }
      >
        <Select aria-label="Dashboard" w={150} data={ROLES.map((r) => ({ value: r, label: `${r[0]!.toUpperCase()}${r.slice(1)}` }))} value={role} onChange={(v) => v && setRole(v as Role)} allowDeselect={false} />
      </PageHeader>
      <Toolbar>
        <FilterBar filter={filter} onChange={setFilter} />
      </Toolbar>
      <div className="bl-page-body">
        {(refreshError || tiles.error) && (
          <Alert color="red" mb="sm">
            {refreshError ?? tiles.error}
          </Alert>
        )}
        {status.data && <Freshness status={status.data} onCancel={() => void act('reports.refresh.cancel')} onResume={() => void act('reports.refresh.resume')} />}
        <SimpleGrid cols={{ base: 3, lg: 6 }} spacing="xs" mb="md">
          {KPI_IDS.map((k, i) => {
            const r = tiles.data?.[i];
            return (
              <Card key={k} withBorder padding="xs" className="rp-tile rp-clickable" onClick={() => navigate(`reports/drill/${k}`)} data-testid={`tile-${k}`}>
                <Text size="xs" c="dimmed">
                  {KPI_LABELS[k]}
                </Text>
                <Text fw={600} size="lg" className="bl-num">
                  {r ? formatKpi(r.unit, r.value) : <Loader size="xs" />}
                </Text>
                {r && (
                  <Text size="xs" c="dimmed" className="bl-num">
                    {r.unit === 'percent' ? `${r.numerator.toLocaleString('en-US')} / ${r.denominator.toLocaleString('en-US')}` : r.p90 != null ? `p90 ${formatKpi(r.unit, r.p90)}` : ' '}
                  </Text>
                )}
              </Card>
            );
          })}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          {ROLE_DASHBOARDS[role].map((w) => (
            <Widget key={`${role}-${w.kpi}-${w.groupBy}`} kpi={w.kpi} groupBy={w.groupBy} chart={w.chart} filter={filterFor(w.kpi, filter)} version={refreshed} />
          ))}
        </SimpleGrid>
        {(role === 'finance' || role === 'clerk' || role === 'admin') && <ReturnReasons filter={filter} version={refreshed} />}
      </div>
    </div>
  );
}

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "Figures as of …", or the background refresh's progress with Stop, or "paused" with Resume. */
function Freshness({ status, onCancel, onResume }: { status: RefreshStatus; onCancel: () => void; onResume: () => void }) {
  const asOf = status.asOf ? `figures as of ${when(status.asOf)}` : 'no figures yet';
  if (status.paused) {
    return (
      <Group gap="xs" mb="sm" data-testid="report-freshness">
        <Text size="sm" c="dimmed">
          Background refresh paused — {asOf}
        </Text>
        <Button size="compact-xs" variant="default" onClick={onResume}>
          Resume
        </Button>
      </Group>
    );
  }
  if (status.running) {
    return (
      <Group gap="xs" mb="sm" data-testid="report-freshness" wrap="nowrap">
        <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          Refreshing {status.percent ?? 0} % — {asOf}
        </Text>
        <Progress value={status.percent ?? 0} w={160} aria-label={`Refreshing the figures: ${status.percent ?? 0} %`} />
        <Button size="compact-xs" variant="default" onClick={onCancel}>
          Stop
        </Button>
      </Group>
    );
  }
  return (
    <Text size="sm" c="dimmed" mb="sm" data-testid="report-freshness">
      {status.asOf ? `Figures as of ${when(status.asOf)}` : 'No figures yet'}
      {status.pending ? ' — new activity waits to be taken in' : ''}
    </Text>
  );
}

function Widget({ kpi, groupBy, chart, filter, version }: { kpi: KpiId; groupBy: GroupBy; chart: 'line' | 'bar'; filter: ReportFilter; version: string }) {
  const q = useEngineQuery(() => (version === '' ? Promise.resolve(null) : client.call('reports.kpi', { kpi, filter, groupBy })), [JSON.stringify(filter), version, kpi, groupBy]);
  const [exporting, setExporting] = useState(false);
  const title = `${KPI_LABELS[kpi]} ${GROUP_LABEL[groupBy]}`;
  const r = q.data;
  const points = (r?.rows ?? []).map((x) => ({ key: x.key, label: x.label, value: x.value }));
  const fmt = (v: number | null) => formatKpi(r?.unit ?? 'percent', v);
  const exportAs = async (format: 'xlsx' | 'pdf') => {
    setExporting(true);
    try {
      downloadBase64((await client.call('reports.export', { kpi, filter, groupBy, format })) as { filename: string; contentType: string; base64: string });
    } catch (e) {
      q.setError(messageOf(e));
    } finally {
      setExporting(false);
    }
  };
  return (
    <Card withBorder padding="sm" data-testid={`widget-${kpi}-${groupBy}`}>
      <Group justify="space-between" mb={4}>
        <div>
          <Text fw={600} size="sm">
            {title}
          </Text>
          <Text size="xs" c="dimmed">
            {r ? `${formatKpi(r.unit, r.value)} overall${r.note ? ` · ${r.note}` : ''}` : 'Loading…'}
          </Text>
        </div>
        <Group gap={4}>
          <Button size="compact-xs" variant="subtle" leftSection={<IconListSearch size={13} />} onClick={() => navigate(`reports/drill/${kpi}`)}>
            Documents
          </Button>
          <Menu>
            <Menu.Target>
              <Button size="compact-xs" variant="subtle" loading={exporting} leftSection={<IconDownload size={13} />} aria-label={`Export ${title}`}>
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconFileSpreadsheet size={14} />} onClick={() => void exportAs('xlsx')}>
                Excel (XLSX)
              </Menu.Item>
              <Menu.Item leftSection={<IconFileTypePdf size={14} />} onClick={() => void exportAs('pdf')}>
                PDF
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>
      {q.error && (
        <Alert color="red" py={4}>
          {q.error}
        </Alert>
      )}
      {r && (chart === 'line' ? <LineChart points={points} format={fmt} name={title} /> : <BarChart points={points} format={fmt} name={title} onSelect={() => navigate(`reports/drill/${kpi}`)} />)}
    </Card>
  );
}

const BREAKDOWN_LABEL: Record<(typeof RETURN_BREAKDOWN_BYS)[number], string> = { product: 'Product', vendor: 'Vendor', channel: 'Channel', customer: 'Customer' };
const REASON_LABEL: Record<string, string> = {
  damaged_in_transit: 'damaged in transit',
  wrong_item_picked: 'wrong item picked',
  not_as_described: 'not as described',
  late_delivery: 'late delivery',
  no_longer_needed: 'no longer needed',
  quality_defect: 'quality defect',
  other: 'other',
  uncategorised: 'uncategorised',
};
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

/** Return rate and reasons per product, vendor, channel or customer (RMAs received in the period). */
function ReturnReasons({ filter, version }: { filter: ReportFilter; version: string }) {
  const [by, setBy] = useState<(typeof RETURN_BREAKDOWN_BYS)[number]>('product');
  const q = useEngineQuery(() => (version === '' ? Promise.resolve(null) : client.call('reports.returns.breakdown', { filter, groupBy: by, limit: 10 })), [JSON.stringify(filter), version, by]);
  const r = q.data;
  const reasons = (x: NonNullable<typeof r>['total']) =>
    x.reasons.map((c) => `${REASON_LABEL[c.category] ?? c.category} ${c.units}${c.suggested > 0 ? ` (${c.suggested} suggested)` : ''}`).join(' · ');
  return (
    <Card withBorder padding="sm" mt="md" data-testid="return-reasons">
      <Group justify="space-between" mb={4}>
        <div>
          <Text fw={600} size="sm">
            Returns and reasons by {BREAKDOWN_LABEL[by].toLowerCase()}
          </Text>
          <Text size="xs" c="dimmed">
            {r ? `${r.total.returnedQty.toLocaleString('en-US')} units back on ${r.total.rmas} RMAs · ${pct(r.total.rate)} of units shipped${r.total.reasons.length ? ` · ${reasons(r.total)}` : ''}` : 'Loading…'}
          </Text>
        </div>
        <Select aria-label="Returns by" w={130} size="xs" data={RETURN_BREAKDOWN_BYS.map((b) => ({ value: b, label: BREAKDOWN_LABEL[b] }))} value={by} onChange={(v) => v && setBy(v as typeof by)} allowDeselect={false} />
      </Group>
      {q.error && (
        <Alert color="red" py={4}>
          {q.error}
        </Alert>
      )}
      {r && (
        <Table className="bl-table" aria-label="Returns and reasons">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{BREAKDOWN_LABEL[by]}</Table.Th>
              <Table.Th w={90} ta="right">
                Returned
              </Table.Th>
              <Table.Th w={70} ta="right">
                RMAs
              </Table.Th>
              <Table.Th w={90} ta="right">
                Shipped
              </Table.Th>
              <Table.Th w={90} ta="right">
                Rate
              </Table.Th>
              <Table.Th>Reasons (units)</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.rows.map((x) => (
              <Table.Tr key={x.key}>
                <Table.Td>{x.label}</Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {x.returnedQty.toLocaleString('en-US')}
                </Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {x.rmas}
                </Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {x.shippedQty === null ? '—' : x.shippedQty.toLocaleString('en-US')}
                </Table.Td>
                <Table.Td ta="right" className="bl-num">
                  {pct(x.rate)}
                </Table.Td>
                <Table.Td>{reasons(x)}</Table.Td>
              </Table.Tr>
            ))}
            {r.rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text c="dimmed" size="sm" ta="center" py="xs">
                    No returns received in the period
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

type DrillPageData = OutputOf<'reports.drill'>;

function DrillPage({ kpi }: { kpi: KpiId }) {
  const [filter, setFilter] = useReportFilter();
  const [failingOnly, setFailingOnly] = useState(true);
  const [page, setPage] = useState(1);
  const limit = 50;
  const f = useMemo(() => filterFor(kpi, filter), [kpi, filter]);
  const q = useEngineQuery<DrillPageData | null>(() => client.call('reports.drill', { kpi, filter: f, failingOnly, offset: (page - 1) * limit, limit }), [JSON.stringify(f), failingOnly, page, kpi], null);
  const figure = useEngineQuery(() => client.call('reports.kpi', { kpi, filter: f }), [JSON.stringify(f), kpi]);
  const rows = q.data?.rows ?? [];
  const open = (r: DrillPageData['rows'][number]) => {
    if (r.kind === 'delivery') navigate(`warehouse/transfers/${r.id}`);
    else if (r.kind === 'receipt') navigate(`warehouse/receipts/${r.id}`);
    else if (r.kind === 'count') navigate(`warehouse/counts/${r.id}`);
  };
  return (
    <div className="bl-page">
      <PageHeader title={`${KPI_LABELS[kpi]}: documents`} back={{ to: 'reports', label: 'Back to the dashboards' }} count={{ total: q.data?.total, one: 'document line', many: 'document lines', testId: 'drill-count' }}>
        {figure.data && (
          <Badge variant="light" size="lg" className="bl-num">
            {formatKpi(figure.data.unit, figure.data.value)} ({figure.data.numerator.toLocaleString('en-US')} / {figure.data.denominator.toLocaleString('en-US', { maximumFractionDigits: 1 })})
          </Badge>
        )}
      </PageHeader>
      <Toolbar>
        <FilterBar filter={filter} onChange={(x) => { setFilter(x); setPage(1); }} customerSegments={takesCustomerSegments(kpi)} />
        <Switch label="Only those against the figure" checked={failingOnly} onChange={(e) => { setFailingOnly(e.currentTarget.checked); setPage(1); }} mt={20} />
        <div style={{ flex: 1 }} />
        <Pagination size="sm" mt={20} total={Math.max(1, Math.ceil((q.data?.total ?? 0) / limit))} value={page} onChange={setPage} aria-label="Document pages" />
      </Toolbar>
      <div className="bl-page-body">
        {q.error && <Alert color="red">{q.error}</Alert>}
        <Table className="bl-table" highlightOnHover stickyHeader aria-label="Documents behind the figure">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={110}>Date</Table.Th>
              <Table.Th w={200}>Document</Table.Th>
              <Table.Th w={160}>Order</Table.Th>
              <Table.Th>Partner</Table.Th>
              <Table.Th w={140}>SKU</Table.Th>
              <Table.Th>Detail</Table.Th>
              <Table.Th w={70}>Counts</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r, i) => (
              <Table.Tr key={`${r.id}-${r.sku}-${i}`} className={r.kind === 'product' ? undefined : 'rp-clickable'} onClick={() => open(r)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && open(r)}>
                <Table.Td className="bl-mono">{r.date}</Table.Td>
                <Table.Td className="bl-mono">{r.number}</Table.Td>
                <Table.Td className="bl-mono">{r.origin ?? ''}</Table.Td>
                <Table.Td>{r.party ?? ''}</Table.Td>
                <Table.Td className="bl-mono">{r.sku ?? ''}</Table.Td>
                <Table.Td>{r.detail}</Table.Td>
                <Table.Td>{r.ok ? <Badge color="green" variant="light">for</Badge> : <Badge color="red" variant="light">against</Badge>}</Table.Td>
              </Table.Tr>
            ))}
            {q.data && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={7}>
                  <Text c="dimmed" size="sm" ta="center" py="md">
                    No documents for this figure in the period
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
    </div>
  );
}

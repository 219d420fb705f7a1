import { Badge, Button, Checkbox, Group, Progress, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { percentOf, useProgress, useReloadOnCommit } from '../ui/useEngineEvents';
import { useEngineQuery } from '../ui/useEngineQuery';

type Result = OutputOf<'purchasing.replenish.run'>;
type Proposal = Result['proposals'][number];
type Review = OutputOf<'purchasing.replenish.review'>['rows'][number];
type Schedule = OutputOf<'purchasing.replenish.schedule.list'>['rows'][number];

const EXCEPTION_LABELS: Record<string, string> = { urgent: 'urgent: stockout before lead time', high_value: 'high value', poor_vendor: 'vendor often late' };

/** Replenishment: run (or dry-run) the proposals, see why each line was proposed, and decide the review queue. */
export function ReplenishPage() {
  const { can } = useSession();
  const [warehouseId, setWarehouseId] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [progress] = useProgress('replenish');
  const warehouses = useEngineQuery(() => client.call('inventory.warehouse.list', {}), [], null);
  const review = useEngineQuery(() => client.call('purchasing.replenish.review', { offset: 0, limit: 200 }), [], null);
  const schedules = useEngineQuery(() => client.call('purchasing.replenish.schedule.list', {}), [], null);
  useReloadOnCommit('purchasing.', review.reload);
  useReloadOnCommit('purchasing.replenish', schedules.reload);
  const [dismissReason, setDismissReason] = useState('');
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [scheduleWh, setScheduleWh] = useState<string | null>(null);
  const [scheduleTime, setScheduleTime] = useState('06:00');

  const runNow = async () => {
    setRunning(true);
    setError(null);
    try {
      setResult(await client.call('purchasing.replenish.run', { dryRun, ...(warehouseId ? { warehouseId } : {}) }));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setRunning(false);
    }
  };
  const decide = async (id: string, accept: boolean) => {
    setError(null);
    try {
      const r = await client.call('purchasing.replenish.decide', { id, accept });
      if (r.orderId) navigate(`purchasing/po/${r.orderId}`);
      else await review.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const dismissRun = async (runId: string) => {
    setError(null);
    try {
      const r = await client.call('purchasing.replenish.dismiss', { runId, reason: dismissReason });
      setDismissed(`Dismissed: ${r.proposalsDismissed} proposal(s)${r.ordersCancelled.length ? `, cancelled ${r.ordersCancelled.join(', ')}` : ''}`);
      await review.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const saveSchedule = async (active: boolean, s?: Schedule) => {
    setError(null);
    try {
      await client.call('purchasing.replenish.schedule.set', s ? { warehouseId: s.warehouseId, timeOfDay: s.timeOfDay, active } : { warehouseId: scheduleWh, timeOfDay: scheduleTime, active });
      await schedules.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const whList = warehouses.data?.rows ?? [];

  return (
    <div className="bl-page">
      <PageHeader title="Replenishment" />
      <Toolbar>
        <Select label="Warehouse" placeholder="All" clearable w={160} data={whList.map((w) => ({ value: w.id, label: w.code }))} value={warehouseId} onChange={setWarehouseId} />
        <Checkbox label="Dry run (write nothing)" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} mt={22} data-testid="replenish-dry" />
        <Button mt={22} loading={running} onClick={() => void runNow()} disabled={!can('purchasing.write')} data-testid="replenish-run">
          Run replenishment
        </Button>
      </Toolbar>
      {running && progress && <Progress value={percentOf(progress)} size="sm" aria-label="Replenishment progress" />}
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {result && (
        <Stack gap={4} data-testid="replenish-result">
          <Text size="sm">
            {result.dryRun ? 'Dry run' : result.number}: {result.productsChecked} rules checked, {result.proposals.length} proposals, {result.ordersCreated.length} draft orders, {result.transfersCreated} transfers, {result.inReview} to review
          </Text>
          {result.runId && (
            <Group gap="xs" align="flex-end">
              <TextInput label="Why dismiss this run" placeholder="e.g. wrong reorder rules" value={dismissReason} onChange={(e) => setDismissReason(e.currentTarget.value)} w={260} size="xs" />
              <Button size="xs" variant="light" color="red" onClick={() => void dismissRun(result.runId!)} disabled={!can('purchasing.write')} data-testid="replenish-dismiss">
                Dismiss run (cancel its draft orders)
              </Button>
              {dismissed && (
                <Text size="xs" data-testid="replenish-dismissed">
                  {dismissed}
                </Text>
              )}
            </Group>
          )}
          {result.ordersCreated.map((o) => (
            <Button key={o.id} variant="subtle" size="xs" onClick={() => navigate(`purchasing/po/${o.id}`)} style={{ alignSelf: 'flex-start' }}>
              {o.number} · {o.vendorName} · {o.lines} lines · {money(o.totalMinor)}
            </Button>
          ))}
          <SimpleTable<Proposal>
            label="Proposals"
            rows={result.proposals}
            rowKey={(p, i) => `${p.productId}-${p.warehouseId}-${i}`}
            columns={[
              { id: 'kind', label: 'Do', render: (p) => (p.kind === 'buy' ? 'Buy' : 'Transfer') },
              { id: 'sku', label: 'SKU', mono: true, render: (p) => p.sku },
              { id: 'wh', label: 'To', render: (p) => p.warehouseCode },
              { id: 'qty', label: 'Qty', num: true, render: (p) => p.quantity },
              { id: 'vendor', label: 'Vendor', render: (p) => p.vendorName ?? '' },
              { id: 'value', label: 'Value', num: true, render: (p) => money(p.valueMinor) },
              { id: 'exc', label: 'Exception', render: (p) => (p.exception ? <Badge size="xs" color="orange">{EXCEPTION_LABELS[p.exception]}</Badge> : '') },
              { id: 'why', label: 'Why', render: (p) => <Text size="xs">{p.reason}</Text> },
            ]}
          />
        </Stack>
      )}
      <Title order={5} mt="md">
        Schedule
      </Title>
      <Toolbar>
        <Select label="Warehouse" placeholder="All" clearable w={160} data={whList.map((w) => ({ value: w.id, label: w.code }))} value={scheduleWh} onChange={setScheduleWh} aria-label="Schedule warehouse" />
        <TextInput label="Daily at (UTC)" value={scheduleTime} onChange={(e) => setScheduleTime(e.currentTarget.value)} w={110} data-testid="schedule-time" />
        <Button mt={22} onClick={() => void saveSchedule(true)} disabled={!can('purchasing.config')} data-testid="schedule-save">
          Schedule daily run
        </Button>
      </Toolbar>
      <SimpleTable<Schedule>
        label="Replenishment schedules"
        rows={schedules.data?.rows ?? []}
        rowKey={(s) => s.id}
        rowTestId={(s) => `schedule-${s.warehouseCode ?? 'all'}`}
        empty="No scheduled run: replenishment runs only when started here or with branchline replenish"
        columns={[
          { id: 'wh', label: 'Warehouse', render: (s) => s.warehouseCode ?? 'All' },
          { id: 'time', label: 'Daily at (UTC)', mono: true, render: (s) => s.timeOfDay },
          { id: 'on', label: 'State', render: (s) => (s.active ? <Badge size="xs">on</Badge> : <Badge size="xs" color="gray">off</Badge>) },
          { id: 'next', label: 'Next run', render: (s) => (s.active ? new Date(s.nextRunAt).toISOString().slice(0, 16).replace('T', ' ') : '—') },
          { id: 'last', label: 'Last run', render: (s) => (s.lastRunAt ? `${s.lastRunNumber ?? ''} ${s.lastResult ?? ''}` : 'not yet') },
          {
            id: 'act',
            label: '',
            render: (s) => (
              <Button size="xs" variant="light" onClick={() => void saveSchedule(!s.active, s)} disabled={!can('purchasing.config')}>
                {s.active ? 'Switch off' : 'Switch on'}
              </Button>
            ),
          },
        ]}
      />
      <Title order={5} mt="md">
        Review queue
      </Title>
      <SimpleTable<Review>
        label="Review queue"
        rows={review.data?.rows ?? []}
        rowKey={(r) => r.id}
        rowTestId={(r) => `review-${r.sku}`}
        empty="Nothing waits for review"
        columns={[
          { id: 'sku', label: 'SKU', mono: true, render: (r) => r.sku },
          { id: 'wh', label: 'Warehouse', render: (r) => r.warehouseCode },
          { id: 'qty', label: 'Qty', num: true, render: (r) => r.quantity },
          { id: 'vendor', label: 'Vendor', render: (r) => r.vendorName ?? '—' },
          { id: 'value', label: 'Value', num: true, render: (r) => money(r.valueMinor) },
          { id: 'exc', label: 'Exception', render: (r) => (r.exception ? EXCEPTION_LABELS[r.exception] : 'no vendor price') },
          { id: 'why', label: 'Why', render: (r) => <Text size="xs">{r.reason}</Text> },
          {
            id: 'act',
            label: '',
            render: (r) => (
              <Group gap={4} wrap="nowrap">
                <Button size="xs" onClick={() => void decide(r.id, true)} disabled={!r.vendorId} data-testid="review-accept">
                  Order
                </Button>
                <Button size="xs" variant="light" color="red" onClick={() => void decide(r.id, false)}>
                  Reject
                </Button>
              </Group>
            ),
          },
        ]}
      />
    </div>
  );
}

import { Alert, Badge, Button, Loader, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCalendarDue, IconCheck, IconDeviceFloppy, IconPlus, IconSend } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { formatMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SegmentedField } from '../ui/SegmentedField';
import { SimpleTable, type TableColumn } from '../ui/SimpleTable';
import { Pager, usePagedQuery } from '../ui/usePagedQuery';
import { COUNT_STATE_COLORS, COUNT_STATE_LABELS, dateTime, qty } from './format';
import { QtyInput } from './QtyInput';
import { useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Count = OutputOf<'inventory.count.get'>;
type CountRow = OutputOf<'inventory.count.list'>['rows'][number];
type CountState = Count['state'];

export function CountsPage({ route }: { route: string }) {
  const id = route.startsWith('warehouse/counts/') ? route.slice('warehouse/counts/'.length) : '';
  return id ? <CountDetail id={id} /> : <CountList />;
}

const TABS: { value: CountState; label: string }[] = [
  { value: 'open', label: 'Worksheet (open)' },
  { value: 'awaiting_approval', label: 'Approval queue' },
  { value: 'posted', label: 'Posted' },
];

function CountList() {
  const { can } = useSession();
  const adjust = can('inventory.adjust');
  const { warehouses, locations } = useWarehouseRefs();
  const [state, setState] = useState<CountState>(() => (sessionStorage.getItem('bl.counts.tab') as CountState | null) ?? 'open');
  const counts = usePagedQuery((offset, limit) => client.call('inventory.count.list', { state, offset, limit }), [state]);
  const { data, reload } = counts;
  const [creating, setCreating] = useState(false);
  const [scheduling, setScheduling] = useState(false);
  useEffect(() => sessionStorage.setItem('bl.counts.tab', state), [state]);

  async function schedule() {
    const wh = warehouses[0];
    if (!wh) return;
    setScheduling(true);
    try {
      const r = await client.call('inventory.count.schedule', { warehouseId: wh.id, maxCounts: 20 });
      notifications.show({ color: 'teal', title: `${r.counts.length} count(s) opened`, message: r.counts.length ? r.counts.map((c) => c.locationPath).join(', ') : 'Nothing is due' });
      void reload();
    } catch (e) {
      counts.setError(messageOf(e));
    } finally {
      setScheduling(false);
    }
  }

  const whCode = (id: string) => warehouses.find((w) => w.id === id)?.code ?? '';
  const columns: TableColumn<CountRow>[] = [
    { id: 'number', label: 'Count', mono: true, render: (c) => <a href={`#/warehouse/counts/${c.id}`}>{c.number}</a> },
    { id: 'wh', label: 'Warehouse', render: (c) => whCode(c.warehouseId) },
    { id: 'location', label: 'Location', mono: true, render: (c) => c.locationPath },
    { id: 'state', label: 'State', render: (c) => <Badge color={COUNT_STATE_COLORS[c.state]} variant="dot">{COUNT_STATE_LABELS[c.state]}</Badge> },
    { id: 'scheduled', label: 'Scheduled', render: (c) => dateTime(c.scheduledDate) },
    { id: 'lines', label: 'Lines', num: true, render: (c) => c.lineCount },
    { id: 'why', label: 'Why it waits', render: (c) => <Text size="xs" c="orange.8">{c.state === 'awaiting_approval' ? c.needsApprovalReason : ''}</Text> },
  ];
  const lbl = COUNT_STATE_LABELS[state]!.toLowerCase();
  return (
    <div className="bl-page">
      <PageHeader
        title="Cycle counts"
        count={{ total: data?.total, one: lbl, many: lbl }}
        actions={
          adjust && (
            <>
              <Button variant="default" leftSection={<IconCalendarDue size={14} />} loading={scheduling} onClick={() => void schedule()} title="Open the counts due by ABC class (A monthly, B quarterly, C yearly) in the first warehouse">
                Open due counts
              </Button>
              <Button leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
                New count
              </Button>
            </>
          )
        }
      />
      <Toolbar>
        <SegmentedField label="Show" value={state} onChange={(v) => setState(v as CountState)} data={TABS} />
      </Toolbar>
      <div className="bl-page-body">
        <ErrorAlert error={counts.error} />
        <SimpleTable<CountRow>
          className="wh-table bl-table"
          label="Cycle counts"
          columns={columns}
          rows={data?.rows ?? []}
          rowKey={(c) => c.id}
          onRowClick={(c) => navigate(`warehouse/counts/${c.id}`)}
          empty={data && (state === 'awaiting_approval' ? 'Nothing waits for approval' : state === 'open' ? 'No open counts' : 'No posted counts yet')}
        />
        <Pager query={counts} />
      </div>
      {creating && <NewCountModal warehouses={warehouses} locations={locations} onClose={() => setCreating(false)} />}
    </div>
  );
}

function NewCountModal({ warehouses, locations, onClose }: { warehouses: ReturnType<typeof useWarehouseRefs>['warehouses']; locations: ReturnType<typeof useWarehouseRefs>['locations']; onClose(): void }) {
  const [warehouseId, setWarehouseId] = useState<string | null>(warehouses[0]?.id ?? null);
  // The page may still be loading its warehouses when the dialog opens: take the first when they arrive.
  const firstWarehouseId = warehouses[0]?.id ?? null;
  useEffect(() => {
    if (firstWarehouseId) setWarehouseId((current) => current ?? firstWarehouseId);
  }, [firstWarehouseId]);
  const [locationId, setLocationId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const wh = warehouses.find((w) => w.id === warehouseId);
  const choices = locations.filter((l) => l.warehouseId === warehouseId && wh && l.path.startsWith(`${wh.code}/Stock`));

  async function create() {
    if (!locationId) return setError('Choose the location to count');
    setSaving(true);
    setError(null);
    try {
      const c = await client.call('inventory.count.create', { locationId });
      notifications.show({ color: 'teal', title: `Count ${c.number} opened`, message: `${c.locationPath} · ${c.lines.length} line(s)` });
      navigate(`warehouse/counts/${c.id}`);
    } catch (e) {
      setError(messageOf(e));
      setSaving(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>New cycle count</Text>} size="md">
      <Stack gap="sm">
        {error && <Alert color="red">{error}</Alert>}
        <Select label="Warehouse" data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} value={warehouseId} onChange={(v) => (setWarehouseId(v), setLocationId(null))} />
        <Select label="Location to count" description="The location and every bin below it; what is on record there becomes the count lines" required searchable data={choices.map((l) => ({ value: l.id, label: l.path }))} value={locationId} onChange={setLocationId} data-autofocus />
        <FormActions onCancel={onClose} submitLabel="Open count" saving={saving} onSubmit={() => void create()} />
      </Stack>
    </Modal>
  );
}

type Entry = { counted: number | ''; reason: string };

function CountDetail({ id }: { id: string }) {
  const { can } = useSession();
  const adjust = can('inventory.adjust');
  const approve = can('inventory.count.approve');
  const [count, setCount] = useState<Count | null>(null);
  const [entries, setEntries] = useState<Record<string, Entry>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const apply = (c: Count) => {
    setCount(c);
    setEntries(Object.fromEntries(c.lines.map((l) => [l.id, { counted: l.countedQuantity ?? '', reason: l.reason ?? '' }])));
  };
  const load = useCallback(async () => {
    try {
      apply(await client.call('inventory.count.get', { id }));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  async function record(): Promise<Count | null> {
    if (!count) return null;
    const lines = count.lines
      .filter((l) => entries[l.id]?.counted !== '' && entries[l.id]?.counted !== undefined)
      .map((l) => ({ lineId: l.id, countedQuantity: Number(entries[l.id]!.counted), ...(entries[l.id]!.reason.trim() ? { reason: entries[l.id]!.reason.trim() } : {}) }));
    if (lines.length === 0) {
      setError('Enter at least one counted quantity');
      return null;
    }
    return client.call('inventory.count.record', { id: count.id, lines });
  }

  async function act(kind: 'save' | 'submit' | 'approve') {
    if (!count) return;
    setBusy(kind);
    setError(null);
    try {
      if (kind === 'save') {
        const c = await record();
        if (c) {
          apply(c);
          notifications.show({ color: 'teal', title: 'Counts saved', message: c.number });
        }
      } else if (kind === 'submit') {
        const recorded = await record();
        if (!recorded) return;
        const c = await client.call('inventory.count.submit', { id: count.id });
        apply(c);
        notifications.show({
          color: c.state === 'posted' ? 'teal' : 'orange',
          title: c.state === 'posted' ? `${c.number} posted` : `${c.number} awaits approval`,
          message: c.state === 'posted' ? 'Stock adjusted to the counted quantities' : (c.needsApprovalReason ?? ''),
        });
      } else {
        const c = await client.call('inventory.count.approve', { id: count.id });
        apply(c);
        notifications.show({ color: 'teal', title: `${c.number} approved and posted`, message: 'Stock adjusted to the counted quantities' });
      }
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  if (!count) return error ? <Alert m="md" color="red">{error}</Alert> : <Loader m="md" size="sm" />;
  const editable = adjust && count.state === 'open';
  const variance = (l: Count['lines'][number]) => {
    const e = entries[l.id];
    return e && e.counted !== '' ? Number(e.counted) - l.expectedQuantity : null;
  };
  const totalValue = count.lines.reduce((s, l) => s + (l.varianceValueMinor ?? 0), 0);

  return (
    <div className="bl-page">
      <PageHeader
        mono
        back={{ to: 'warehouse/counts', label: 'Back to counts' }}
        title={count.number}
        actions={
          <>
            {editable && (
              <>
                <Button variant="default" leftSection={<IconDeviceFloppy size={14} />} loading={busy === 'save'} onClick={() => void act('save')}>
                  Save counts
                </Button>
                <Button leftSection={<IconSend size={14} />} loading={busy === 'submit'} onClick={() => void act('submit')}>
                  Submit count
                </Button>
              </>
            )}
            {count.state === 'awaiting_approval' && approve && (
              <Button color="teal" leftSection={<IconCheck size={14} />} loading={busy === 'approve'} onClick={() => void act('approve')}>
                Approve and post
              </Button>
            )}
          </>
        }
      >
        <Badge color={COUNT_STATE_COLORS[count.state]} data-testid="count-state">
          {COUNT_STATE_LABELS[count.state]}
        </Badge>
        <Text size="sm" c="dimmed" className="bl-mono">
          {count.locationPath}
        </Text>
      </PageHeader>
      <div className="bl-page-body">
        <Stack gap="sm">
          <ErrorAlert error={error} onClose={() => setError(null)} />
          {count.state === 'awaiting_approval' && (
            <Alert color="orange" title="Held for a warehouse manager">
              {count.needsApprovalReason}
              {!approve && (
                <Text size="sm" mt={4}>
                  You cannot approve counts: that needs the warehouse-manager permission (inventory.count.approve).
                </Text>
              )}
            </Alert>
          )}
          {count.state === 'open' && count.needsApprovalReason && (
            <Alert color="yellow" variant="light">
              Submitting will wait for approval: {count.needsApprovalReason}
            </Alert>
          )}
          <div className="wh-panel">
            <div className="wh-panel-head">
              Count lines
              <div style={{ flex: 1 }} />
              <span style={{ textTransform: 'none', letterSpacing: 0 }}>Variance value {formatMoney(totalValue)}</span>
            </div>
            <table className="wh-table" aria-label="Count lines">
              <thead>
                <tr>
                  <th>SKU</th>
                  <th>Product</th>
                  <th>Lot</th>
                  <th className="bl-num">Expected</th>
                  <th className="bl-num" style={{ width: 120 }}>
                    Counted
                  </th>
                  <th className="bl-num">Variance</th>
                  <th className="bl-num">Value</th>
                  <th style={{ width: 240 }}>Reason</th>
                </tr>
              </thead>
              <tbody>
                {count.lines.map((l) => {
                  const v = editable ? variance(l) : l.varianceQuantity;
                  return (
                    <tr key={l.id} data-testid={`count-line-${l.sku}`}>
                      <td className="bl-mono">{l.sku}</td>
                      <td>{l.name}</td>
                      <td>{l.lotName ?? ''}</td>
                      <td className="bl-num">{qty(l.expectedQuantity)}</td>
                      <td className="bl-num">
                        {editable ? (
                          <QtyInput
                            aria-label={`Counted ${l.sku}`}
                            value={entries[l.id]?.counted ?? ''}
                            onChange={(val) => setEntries((e) => ({ ...e, [l.id]: { ...(e[l.id] ?? { reason: '' }), counted: val === '' ? '' : Number(val) } }))}
                          />
                        ) : (
                          qty(l.countedQuantity)
                        )}
                      </td>
                      <td className={`bl-num${v !== null && v < 0 ? ' wh-neg' : ''}`}>{v === null ? '—' : v > 0 ? `+${qty(v)}` : qty(v)}</td>
                      <td className="bl-num">{l.varianceValueMinor === null ? '—' : formatMoney(l.varianceValueMinor)}</td>
                      <td>
                        {editable ? (
                          <TextInput aria-label={`Reason ${l.sku}`} size="xs" placeholder="e.g. damaged, found" value={entries[l.id]?.reason ?? ''} onChange={(e) => {
                              const reason = e.currentTarget.value;
                              setEntries((x) => ({ ...x, [l.id]: { ...(x[l.id] ?? { counted: '' }), reason } }));
                            }} />
                        ) : (
                          l.reason ?? ''
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Text size="xs" c="dimmed">
            Posting moves the difference to or from Inventory Loss with the reason; a variance above the value or percentage threshold (Warehouse settings) waits for a warehouse manager.
          </Text>
        </Stack>
      </div>
    </div>
  );
}

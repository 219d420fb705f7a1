import { Alert, Badge, Button, Group, Loader, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconFileTypePdf, IconListCheck } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { applyServerError } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';
import { Pager, usePagedQuery } from '../ui/usePagedQuery';
import { downloadBase64 } from './download';
import { STATE_COLORS, STATE_LABELS, type TransferState, dateTime, localInputToIso, qty } from './format';
import { locationsWithin, useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Wave = OutputOf<'inventory.wave.get'>;
type WaveRow = OutputOf<'inventory.wave.list'>['rows'][number];
type PickRow = Wave['pickList'][number];
const WAVE_COLORS: Record<string, string> = { open: 'indigo', done: 'teal', cancelled: 'red' };

export function WavesPage({ route }: { route: string }) {
  const id = route.slice('warehouse/waves/'.length);
  return route.startsWith('warehouse/waves/') && id ? <WaveDetail id={id} /> : <WaveList />;
}

interface BuildValues {
  warehouseId: string | null;
  carrier: string;
  cutoffBefore: string;
  zone: string | null;
  maxTransfers: number | '';
}

function WaveList() {
  const { can } = useSession();
  const operate = can('inventory.operate');
  const { warehouses, locations } = useWarehouseRefs();
  const waves = usePagedQuery((offset, limit) => client.call('inventory.wave.list', { offset, limit }), []);
  const { data } = waves;
  const [building, setBuilding] = useState(false);
  const [buildError, setBuildError] = useState<string | null>(null);

  const form = useForm<BuildValues>({
    initialValues: { warehouseId: null, carrier: '', cutoffBefore: '', zone: null, maxTransfers: 100 },
    validate: (v) => ({
      ...(v.warehouseId ? {} : { warehouseId: 'Choose a warehouse' }),
      ...(v.cutoffBefore && !localInputToIso(v.cutoffBefore) ? { cutoffBefore: 'Use a date and time' } : {}),
      ...(v.maxTransfers === '' || v.maxTransfers < 1 || v.maxTransfers > 2000 ? { maxTransfers: 'Between 1 and 2,000' } : {}),
    }),
  });
  useEffect(() => {
    if (!form.values.warehouseId && warehouses[0]) form.setFieldValue('warehouseId', warehouses[0].id);
  }, [warehouses, form]);
  const wh = warehouses.find((w) => w.id === form.values.warehouseId);
  const zones = wh ? locationsWithin(locations, `${wh.code}/Stock`) : [];

  const build = form.onSubmit(async (v) => {
    setBuilding(true);
    setBuildError(null);
    try {
      const wave = await client.call('inventory.wave.build', {
        warehouseId: v.warehouseId!,
        ...(v.carrier.trim() ? { carrier: v.carrier.trim() } : {}),
        ...(localInputToIso(v.cutoffBefore) ? { cutoffBefore: localInputToIso(v.cutoffBefore)! } : {}),
        ...(v.zone ? { zone: v.zone } : {}),
        maxTransfers: Number(v.maxTransfers),
      });
      notifications.show({ color: 'teal', title: `Wave ${wave.number} built`, message: `${wave.transfers.length} transfer(s), ${wave.pickList.length} pick line(s)` });
      navigate(`warehouse/waves/${wave.id}`);
    } catch (e) {
      setBuildError(applyServerError(form, e, ['warehouseId', 'carrier', 'cutoffBefore', 'zone', 'maxTransfers']));
    } finally {
      setBuilding(false);
    }
  });

  const whCode = (id: string) => warehouses.find((w) => w.id === id)?.code ?? '';
  return (
    <div className="bl-page">
      <PageHeader title="Waves & picking" count={{ total: data?.total, one: 'wave', many: 'waves' }} />
      {operate && (
        <form onSubmit={build} noValidate aria-label="Build a wave" className="bl-toolbar">
          <Select label="Warehouse" required w={200} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} {...form.getInputProps('warehouseId')} />
          <TextInput label="Carrier" placeholder="Any carrier" w={140} {...form.getInputProps('carrier')} />
          <TextInput label="Cut-off before" type="datetime-local" w={190} {...form.getInputProps('cutoffBefore')} />
          <Select label="Zone" placeholder="Whole stock" clearable allowDeselect searchable w={190} data={zones.map((l) => ({ value: l.path, label: l.path }))} {...form.getInputProps('zone')} />
          <NumberInput size="xs" label="Max transfers" min={1} max={2000} allowDecimal={false} w={110} {...form.getInputProps('maxTransfers')} />
          <Button type="submit" loading={building} leftSection={<IconListCheck size={14} />}>
            Build wave
          </Button>
          {buildError && (
            <Text size="sm" c="red" role="alert" mb={6}>
              {buildError}
            </Text>
          )}
        </form>
      )}
      <div className="bl-page-body">
        <ErrorAlert error={waves.error} />
        <SimpleTable<WaveRow>
          className="wh-table bl-table"
          label="Waves"
          columns={[
            { id: 'number', label: 'Wave', mono: true, render: (w) => <a href={`#/warehouse/waves/${w.id}`}>{w.number}</a> },
            { id: 'wh', label: 'Warehouse', render: (w) => whCode(w.warehouseId) },
            { id: 'state', label: 'State', render: (w) => <Badge color={WAVE_COLORS[w.state]} variant="dot">{w.state}</Badge> },
            { id: 'carrier', label: 'Carrier', render: (w) => w.carrier ?? 'Any' },
            { id: 'zone', label: 'Zone', mono: true, render: (w) => w.zone ?? '' },
            { id: 'cutoff', label: 'Cut-off before', render: (w) => dateTime(w.cutoffBefore) },
            { id: 'transfers', label: 'Transfers', num: true, render: (w) => w.transferCount },
          ]}
          rows={data?.rows ?? []}
          rowKey={(w) => w.id}
          onRowClick={(w) => navigate(`warehouse/waves/${w.id}`)}
          empty={data && 'No waves yet: build one from the ready picks above.'}
        />
        <Pager query={waves} />
      </div>
    </div>
  );
}

function WaveDetail({ id }: { id: string }) {
  const { data: wave, error } = useEngineQuery(() => client.call('inventory.wave.get', { id }), [id]);
  const [printing, setPrinting] = useState(false);

  async function print() {
    setPrinting(true);
    try {
      downloadBase64(await client.call('documents.pickList', { waveId: id }));
    } catch (e) {
      notifications.show({ color: 'red', title: 'Pick list not printed', message: messageOf(e) });
    } finally {
      setPrinting(false);
    }
  }

  if (error) return <Alert m="md" color="red">{error}</Alert>;
  if (!wave) return <Loader m="md" size="sm" />;
  const states: Record<string, TransferState> = Object.fromEntries(wave.transfers.map((t) => [t.id, t.state as TransferState]));
  const units = wave.pickList.reduce((s, r) => s + r.quantity, 0);
  return (
    <div className="bl-page">
      <PageHeader
        mono
        back={{ to: 'warehouse/waves', label: 'Back to waves' }}
        title={wave.number}
        actions={
          <Button leftSection={<IconFileTypePdf size={14} />} loading={printing} onClick={() => void print()}>
            Print pick list (PDF)
          </Button>
        }
      >
        <Badge color={WAVE_COLORS[wave.state]}>{wave.state}</Badge>
        <Text size="sm" c="dimmed">
          {wave.carrier ? `Carrier ${wave.carrier}` : 'Any carrier'} · {wave.transfers.length} transfers · {wave.pickList.length} pick lines · {qty(units)} units
        </Text>
      </PageHeader>
      <div className="bl-page-body">
        <div className="wh-split" style={{ gridTemplateColumns: 'minmax(0, 1fr) 520px' }}>
          <div className="wh-panel">
            <div className="wh-panel-head">Pick list — walk the locations in this order</div>
            <SimpleTable<PickRow>
              label="Pick list"
              columns={[
                { id: 'location', label: 'Location', mono: true, render: (r, i) => <span style={{ fontWeight: wave.pickList[i - 1]?.locationPath === r.locationPath ? 400 : 600 }}>{r.locationPath}</span> },
                { id: 'sku', label: 'SKU', mono: true, render: (r) => r.sku },
                { id: 'name', label: 'Product', render: (r) => r.name },
                { id: 'barcode', label: 'Barcode', mono: true, render: (r) => r.barcode ?? '' },
                { id: 'lot', label: 'Lot', render: (r) => r.lotName ?? '' },
                { id: 'qty', label: 'Qty', num: true, render: (r) => <b>{qty(r.quantity)}</b> },
                { id: 'transfers', label: 'Transfers', mono: true, render: (r) => <span style={{ fontSize: 11 }}>{r.transferNumbers.join(', ')}</span> },
              ]}
              rows={wave.pickList}
              rowKey={(r) => `${r.locationPath}-${r.productId}-${r.lotName ?? ''}`}
            />
          </div>
          <Stack gap="sm">
            <div className="wh-panel">
              <div className="wh-panel-head">Transfers in the wave</div>
              <SimpleTable<Wave['transfers'][number]>
                label="Wave transfers"
                columns={[
                  { id: 'number', label: 'Transfer', mono: true, render: (t) => t.number },
                  { id: 'cutoff', label: 'Cut-off', render: (t) => dateTime(t.carrierCutoff) },
                  { id: 'prio', label: 'Prio', num: true, render: (t) => t.priorityRank },
                  { id: 'state', label: 'State', render: (t) => <Badge color={STATE_COLORS[states[t.id] ?? 'ready']} variant="dot">{STATE_LABELS[states[t.id] ?? 'ready']}</Badge> },
                  {
                    id: 'open',
                    label: '',
                    render: (t) => (
                      <Button size="compact-xs" variant="light" onClick={() => navigate(`warehouse/transfers/${t.id}`)} aria-label={`Open ${t.number}`}>
                        {states[t.id] === 'ready' || states[t.id] === 'waiting' ? 'Pick' : 'Open'}
                      </Button>
                    ),
                  },
                ]}
                rows={wave.transfers}
                rowKey={(t) => t.id}
              />
            </div>
            <Group gap="xs">
              <Text size="xs" c="dimmed">
                Open a transfer to confirm it by scanning. Filters: carrier {wave.carrier ?? 'any'}, zone {wave.zone ?? 'all'}, cut-off before {dateTime(wave.cutoffBefore)}.
              </Text>
            </Group>
          </Stack>
        </div>
      </div>
    </div>
  );
}

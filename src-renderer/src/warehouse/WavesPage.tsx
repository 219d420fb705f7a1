import { ActionIcon, Alert, Badge, Button, Group, Loader, NumberInput, Pagination, Select, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconFileTypePdf, IconListCheck } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { applyServerError } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { downloadBase64 } from './download';
import { STATE_COLORS, STATE_LABELS, type TransferState, dateTime, localInputToIso, qty } from './format';
import { locationsWithin, useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Wave = OutputOf<'inventory.wave.get'>;
type WaveRow = OutputOf<'inventory.wave.list'>['rows'][number];
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
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ rows: WaveRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [building, setBuilding] = useState(false);
  const [buildError, setBuildError] = useState<string | null>(null);
  const limit = 50;

  const load = useCallback(async () => {
    try {
      setData(await client.call('inventory.wave.list', { offset: (page - 1) * limit, limit }));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [page]);
  useEffect(() => {
    void load();
  }, [load]);

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
      <div className="bl-page-header">
        <Title order={2}>Waves &amp; picking</Title>
        <Text size="sm" c="dimmed">
          {data ? `${data.total.toLocaleString('en-US')} waves` : 'Loading…'}
        </Text>
      </div>
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
        {error && <Alert color="red">{error}</Alert>}
        <table className="wh-table bl-table" aria-label="Waves">
          <thead>
            <tr>
              <th>Wave</th>
              <th>Warehouse</th>
              <th>State</th>
              <th>Carrier</th>
              <th>Zone</th>
              <th>Cut-off before</th>
              <th className="bl-num">Transfers</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((w) => (
              <tr key={w.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`warehouse/waves/${w.id}`)}>
                <td className="bl-mono">
                  <a href={`#/warehouse/waves/${w.id}`}>{w.number}</a>
                </td>
                <td>{whCode(w.warehouseId)}</td>
                <td>
                  <Badge color={WAVE_COLORS[w.state]} variant="dot">
                    {w.state}
                  </Badge>
                </td>
                <td>{w.carrier ?? 'Any'}</td>
                <td className="bl-mono">{w.zone ?? ''}</td>
                <td>{dateTime(w.cutoffBefore)}</td>
                <td className="bl-num">{w.transferCount}</td>
              </tr>
            ))}
            {data && data.rows.length === 0 && (
              <tr>
                <td colSpan={7}>
                  <Text size="sm" c="dimmed" ta="center" py="md">
                    No waves yet: build one from the ready picks above.
                  </Text>
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {data && data.total > limit && <Pagination mt="xs" size="sm" total={Math.ceil(data.total / limit)} value={page} onChange={setPage} />}
      </div>
    </div>
  );
}

function WaveDetail({ id }: { id: string }) {
  const [wave, setWave] = useState<Wave | null>(null);
  const [states, setStates] = useState<Record<string, TransferState>>({});
  const [error, setError] = useState<string | null>(null);
  const [printing, setPrinting] = useState(false);

  const load = useCallback(async () => {
    try {
      const w = await client.call('inventory.wave.get', { id });
      setWave(w);
      setStates(Object.fromEntries(w.transfers.map((t) => [t.id, t.state as TransferState])));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

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
  const units = wave.pickList.reduce((s, r) => s + r.quantity, 0);
  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Tooltip label="Back to waves">
          <ActionIcon aria-label="Back" onClick={() => navigate('warehouse/waves')}>
            <IconArrowLeft size={16} />
          </ActionIcon>
        </Tooltip>
        <Title order={2} className="bl-mono" style={{ fontSize: 17 }}>
          {wave.number}
        </Title>
        <Badge color={WAVE_COLORS[wave.state]}>{wave.state}</Badge>
        <Text size="sm" c="dimmed">
          {wave.carrier ? `Carrier ${wave.carrier}` : 'Any carrier'} · {wave.transfers.length} transfers · {wave.pickList.length} pick lines · {qty(units)} units
        </Text>
        <div style={{ flex: 1 }} />
        <Button leftSection={<IconFileTypePdf size={14} />} loading={printing} onClick={() => void print()}>
          Print pick list (PDF)
        </Button>
      </div>
      <div className="bl-page-body">
        <div className="wh-split" style={{ gridTemplateColumns: 'minmax(0, 1fr) 520px' }}>
          <div className="wh-panel">
            <div className="wh-panel-head">Pick list — walk the locations in this order</div>
            <table className="wh-table" aria-label="Pick list">
              <thead>
                <tr>
                  <th>Location</th>
                  <th>SKU</th>
                  <th>Product</th>
                  <th>Barcode</th>
                  <th>Lot</th>
                  <th className="bl-num">Qty</th>
                  <th>Transfers</th>
                </tr>
              </thead>
              <tbody>
                {wave.pickList.map((r, i) => (
                  <tr key={`${r.locationPath}-${r.productId}-${r.lotName ?? ''}`}>
                    <td className="bl-mono" style={{ fontWeight: wave.pickList[i - 1]?.locationPath === r.locationPath ? 400 : 600 }}>
                      {r.locationPath}
                    </td>
                    <td className="bl-mono">{r.sku}</td>
                    <td>{r.name}</td>
                    <td className="bl-mono">{r.barcode ?? ''}</td>
                    <td>{r.lotName ?? ''}</td>
                    <td className="bl-num">
                      <b>{qty(r.quantity)}</b>
                    </td>
                    <td className="bl-mono" style={{ fontSize: 11 }}>
                      {r.transferNumbers.join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Stack gap="sm">
            <div className="wh-panel">
              <div className="wh-panel-head">Transfers in the wave</div>
              <table className="wh-table" aria-label="Wave transfers">
                <thead>
                  <tr>
                    <th>Transfer</th>
                    <th>Cut-off</th>
                    <th className="bl-num">Prio</th>
                    <th>State</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {wave.transfers.map((t) => (
                    <tr key={t.id}>
                      <td className="bl-mono">{t.number}</td>
                      <td>{dateTime(t.carrierCutoff)}</td>
                      <td className="bl-num">{t.priorityRank}</td>
                      <td>
                        <Badge color={STATE_COLORS[states[t.id] ?? 'ready']} variant="dot">
                          {STATE_LABELS[states[t.id] ?? 'ready']}
                        </Badge>
                      </td>
                      <td>
                        <Button size="compact-xs" variant="light" onClick={() => navigate(`warehouse/transfers/${t.id}`)} aria-label={`Open ${t.number}`}>
                          {states[t.id] === 'ready' || states[t.id] === 'waiting' ? 'Pick' : 'Open'}
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
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

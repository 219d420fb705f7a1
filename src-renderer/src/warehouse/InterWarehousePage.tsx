import { Badge, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconArrowRight, IconPlus, IconTruck } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { contract, type OutputOf } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { KIND_LABELS, STATE_COLORS, STATE_LABELS, dateTime, qty } from './format';
import { type LineDraft, LineEditor } from './LineEditor';
import type { PickedProduct } from './ProductPicker';
import type { Transfer } from './scan';
import { useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Summary = OutputOf<'inventory.transfer.list'>['rows'][number];
type Availability = OutputOf<'inventory.availability'>;
type Watched = { product: PickedProduct; availability: Availability; transit: number };
const at = (w: Watched, code: string) => w.availability.byWarehouse.find((x) => x.code === code);

const summaryOf = ({ lines, ...t }: Transfer): Summary => ({ ...t, lineCount: lines.length, totalQuantity: lines.reduce((s, l) => s + l.quantity, 0) });

interface Values {
  fromWarehouseId: string | null;
  toWarehouseId: string | null;
  origin: string;
  lines: LineDraft[];
}
let k = 0;
const newLine = () => ({ key: `iw${++k}`, product: null, quantity: 1 as number | '' });

/** Stock moved between warehouses through Transit: the form, the pair it creates, and what is on the road. */
export function InterWarehousePage() {
  const { can } = useSession();
  const operate = can('inventory.operate');
  const { warehouses } = useWarehouseRefs();
  const [pair, setPair] = useState<{ outbound: Transfer; inbound: Transfer } | null>(null);
  const [watch, setWatch] = useState<Watched[]>([]);
  const [open, setOpen] = useState<Summary[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const form = useForm<Values>({
    initialValues: { fromWarehouseId: null, toWarehouseId: null, origin: '', lines: [newLine()] },
    validate: (v) => {
      const input = { fromWarehouseId: v.fromWarehouseId ?? '', toWarehouseId: v.toWarehouseId ?? '', origin: v.origin.trim() || null, lines: v.lines.map((l) => ({ productId: l.product?.id ?? '', quantity: l.quantity === '' ? 0 : l.quantity })) };
      const errors = schemaErrors(contract['inventory.interWarehouse.create'].input, input);
      for (const key of Object.keys(errors)) {
        const m = /^lines\.(\d+)\.productId$/.exec(key);
        if (m) {
          errors[`lines.${m[1]}.product`] = 'Choose a product';
          delete errors[key];
        }
      }
      if (!v.fromWarehouseId) errors.fromWarehouseId = 'Choose the warehouse that ships';
      if (!v.toWarehouseId) errors.toWarehouseId = 'Choose the warehouse that receives';
      if (v.fromWarehouseId && v.fromWarehouseId === v.toWarehouseId) errors.toWarehouseId = 'Choose a different warehouse';
      return errors;
    },
  });
  useEffect(() => {
    if (!form.values.fromWarehouseId && warehouses.length >= 2) {
      form.setValues({ fromWarehouseId: warehouses[0]!.id, toWarehouseId: warehouses[1]!.id });
    }
  }, [warehouses, form]);

  /** Open shipments, earliest first: to ship (outbound ready), on the road (inbound ready), planned (inbound waiting). */
  const loadOpen = useCallback(async () => {
    const q = (kind: 'transit_out' | 'transit_in', state: 'ready' | 'waiting') => client.call('inventory.transfer.list', { kind, state, sort: 'scheduledDate', dir: 'asc', limit: 50 });
    const parts = await Promise.all([q('transit_out', 'ready'), q('transit_in', 'ready'), q('transit_in', 'waiting')]);
    setOpen(parts.flatMap((p) => p.rows));
  }, []);

  const refreshWatch = useCallback(async (products: PickedProduct[]) => {
    const rows = await Promise.all(
      products.map(async (product) => {
        const [availability, levels] = await Promise.all([client.call('inventory.availability', { productId: product.id }), client.call('inventory.stock.byProduct', { productId: product.id })]);
        return { product, availability, transit: levels.rows.filter((l) => l.path.startsWith('Virtual/Transit')).reduce((s, l) => s + l.onHand, 0) };
      }),
    );
    setWatch(rows);
  }, []);

  const refresh = useCallback(async () => {
    try {
      await loadOpen();
      if (pair) {
        const [outbound, inbound] = await Promise.all([client.call('inventory.transfer.get', { id: pair.outbound.id }), client.call('inventory.transfer.get', { id: pair.inbound.id })]);
        setPair({ outbound, inbound });
      }
      await refreshWatch(watch.map((w) => w.product));
    } catch (e) {
      setFormError(messageOf(e));
    }
  }, [loadOpen, pair, refreshWatch, watch]);

  useEffect(() => {
    void loadOpen();
  }, [loadOpen]);

  const create = form.onSubmit(async (v) => {
    setSaving(true);
    setFormError(null);
    try {
      const res = await client.call('inventory.interWarehouse.create', {
        fromWarehouseId: v.fromWarehouseId!,
        toWarehouseId: v.toWarehouseId!,
        origin: v.origin.trim() || null,
        lines: v.lines.map((l) => ({ productId: l.product!.id, quantity: Number(l.quantity) })),
      });
      setPair(res);
      notifications.show({ color: 'teal', title: 'Inter-warehouse transfer created', message: `${res.outbound.number} → ${res.inbound.number}` });
      await refreshWatch(v.lines.map((l) => l.product!));
      await loadOpen();
      form.setFieldValue('lines', [newLine()]);
    } catch (e) {
      setFormError(applyServerError(form, e, ['fromWarehouseId', 'toWarehouseId', 'origin']));
    } finally {
      setSaving(false);
    }
  });

  async function validate(t: Transfer) {
    try {
      await client.call('inventory.transfer.validate', { id: t.id });
      notifications.show({ color: 'teal', title: `${t.number} validated`, message: t.kind === 'transit_out' ? 'Shipped: the goods are in transit' : 'Received into stock' });
      await refresh();
    } catch (e) {
      setFormError(messageOf(e));
    }
  }

  const code = (id: string | null) => warehouses.find((w) => w.id === id)?.code ?? '?';
  const fromCode = pair ? pair.outbound.warehouseCode : code(form.values.fromWarehouseId);
  const toCode = pair ? pair.inbound.warehouseCode : code(form.values.toWarehouseId);

  return (
    <div className="bl-page">
      <PageHeader title="Inter-warehouse transfers">
        <Text size="sm" c="dimmed">
          Ship from one warehouse, receive at another; in between the goods are in Transit (owned, not available to either side).
        </Text>
      </PageHeader>
      <div className="bl-page-body">
        <Stack gap="sm">
          <ErrorAlert error={formError} onClose={() => setFormError(null)} />
          {operate && (
            <form onSubmit={create} noValidate aria-label="New inter-warehouse transfer" className="wh-panel">
              <div className="wh-panel-head">New inter-warehouse transfer</div>
              <div className="wh-panel-body">
                <Group gap="sm" align="flex-end" mb="xs">
                  <Select label="From warehouse" required w={220} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} {...form.getInputProps('fromWarehouseId')} />
                  <IconArrowRight size={16} style={{ marginBottom: 8 }} />
                  <Select label="To warehouse" required w={220} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} {...form.getInputProps('toWarehouseId')} />
                  <TextInput label="Origin" placeholder="Reason or reference" w={220} {...form.getInputProps('origin')} />
                </Group>
                <LineEditor
                  label="Inter-warehouse lines"
                  lines={form.values.lines}
                  productError={(i) => form.errors[`lines.${i}.product`]}
                  onProduct={(i, p) => form.setFieldValue(`lines.${i}.product`, p)}
                  inputProps={(path) => form.getInputProps(path)}
                  onRemove={(i) => form.removeListItem('lines', i)}
                />
                <FormActions
                  mt="xs"
                  left={
                    <Button variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('lines', newLine())}>
                      Add line
                    </Button>
                  }
                  submitLabel="Create transfer"
                  submitIcon={<IconTruck size={14} />}
                  saving={saving}
                />
              </div>
            </form>
          )}

          {pair && (
            <div className="wh-panel" data-testid="inter-pair">
              <div className="wh-panel-head">
                {fromCode} → Transit → {toCode}
              </div>
              <div className="wh-panel-body" style={{ display: 'flex', gap: 16, alignItems: 'stretch', flexWrap: 'wrap' }}>
                {[pair.outbound, pair.inbound].map((t) => (
                  <div key={t.id} style={{ flex: 1, minWidth: 280 }} data-testid={t.kind === 'transit_out' ? 'outbound' : 'inbound'}>
                    <Group gap="xs" mb={4}>
                      <Text size="xs" c="dimmed">
                        {t.kind === 'transit_out' ? `Ships from ${t.warehouseCode}` : `Received at ${t.warehouseCode}`}
                      </Text>
                      <Badge color={STATE_COLORS[t.state]}>{STATE_LABELS[t.state]}</Badge>
                    </Group>
                    <Group gap="xs">
                      <a className="bl-mono" href={`#/warehouse/transfers/${t.id}`}>
                        {t.number}
                      </a>
                      {operate && t.state === 'ready' && (
                        <Button size="compact-xs" onClick={() => void validate(t)}>
                          {t.kind === 'transit_out' ? 'Ship (validate)' : 'Receive (validate)'}
                        </Button>
                      )}
                    </Group>
                  </div>
                ))}
              </div>
              <SimpleTable<Watched>
                label="Stock on both sides"
                columns={[
                  { id: 'product', label: 'Product', render: (w) => (<><span className="bl-mono">{w.product.sku}</span> {w.product.name}</>) },
                  { id: 'from-onhand', label: `${fromCode} on hand`, num: true, testId: 'from-onhand', render: (w) => qty(at(w, fromCode)?.onHand ?? 0) },
                  { id: 'from-outgoing', label: `${fromCode} outgoing`, num: true, testId: 'from-outgoing', render: (w) => qty(at(w, fromCode)?.outgoing ?? 0) },
                  { id: 'in-transit', label: 'In transit', num: true, testId: 'in-transit', render: (w) => <b>{qty(w.transit)}</b> },
                  { id: 'to-incoming', label: `${toCode} incoming`, num: true, testId: 'to-incoming', render: (w) => qty(at(w, toCode)?.incoming ?? 0) },
                  { id: 'to-onhand', label: `${toCode} on hand`, num: true, testId: 'to-onhand', render: (w) => qty(at(w, toCode)?.onHand ?? 0) },
                ]}
                rows={watch}
                rowKey={(w) => w.product.id}
                rowTestId={(w) => `watch-${w.product.sku}`}
              />
            </div>
          )}

          <div className="wh-panel">
            <div className="wh-panel-head">
              Open shipments between warehouses
              <div style={{ flex: 1 }} />
              <Button size="compact-xs" variant="subtle" onClick={() => void refresh()}>
                Refresh
              </Button>
            </div>
            <SimpleTable<Summary>
              label="Shipments between warehouses"
              columns={[
                { id: 'number', label: 'Transfer', mono: true, render: (t) => t.number },
                { id: 'side', label: 'Side', render: (t) => `${t.warehouseCode} · ${KIND_LABELS[t.kind]}` },
                { id: 'from', label: 'From', mono: true, render: (t) => t.fromPath },
                { id: 'to', label: 'To', mono: true, render: (t) => t.toPath },
                { id: 'scheduled', label: 'Scheduled', render: (t) => dateTime(t.scheduledDate) },
                { id: 'units', label: 'Units', num: true, render: (t) => qty(t.totalQuantity) },
                { id: 'state', label: 'State', render: (t) => <Badge color={STATE_COLORS[t.state]} variant="dot">{t.kind === 'transit_in' && t.state === 'ready' ? 'In transit' : STATE_LABELS[t.state]}</Badge> },
              ]}
              rows={[...(pair ? [pair.outbound, pair.inbound].map(summaryOf) : []), ...open.filter((t) => t.id !== pair?.outbound.id && t.id !== pair?.inbound.id)]}
              rowKey={(t) => t.id}
              onRowClick={(t) => navigate(`warehouse/transfers/${t.id}`)}
              empty="Nothing between warehouses"
            />
          </div>
        </Stack>
      </div>
    </div>
  );
}

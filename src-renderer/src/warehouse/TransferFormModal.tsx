import { ActionIcon, Alert, Button, Group, Kbd, Modal, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { type InputOf, TransferCreateInput } from '../../../src-shared/contract/index';
import { applyServerError, schemaErrors } from '../lib/forms';
import { parseMoney } from '../lib/money';
import { client } from '../rpc';
import { localInputToIso } from './format';
import { type PickedProduct, ProductPicker } from './ProductPicker';
import type { Transfer } from './scan';
import { type Location, type Warehouse, locationsWithin } from './useWarehouseRefs';

type Kind = 'receipt' | 'delivery' | 'internal';

export interface TransferFormValues {
  kind: Kind;
  warehouseId: string | null;
  origin: string;
  carrier: string;
  carrierCutoff: string;
  scheduledDate: string;
  fromLocationId: string | null;
  toLocationId: string | null;
  lines: { key: string; product: PickedProduct | null; quantity: number | ''; unitCost: string }[];
}

let lineKey = 0;
const newLine = () => ({ key: `l${++lineKey}`, product: null, quantity: 1 as number | '', unitCost: '' });

/** The contract input from the form, and the errors (shared TransferCreateInput messages, keyed by form path). */
export function transferInputOf(v: TransferFormValues): { input: InputOf<'inventory.transfer.create'>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const lines = v.lines.map((l, i) => {
    let unitCostMinor: number | undefined;
    if (v.kind === 'receipt' && l.unitCost.trim()) {
      const m = parseMoney(l.unitCost);
      if (m.ok) unitCostMinor = m.minor;
      else errors[`lines.${i}.unitCost`] = m.message;
    }
    return { productId: l.product?.id ?? '', quantity: l.quantity === '' ? 0 : l.quantity, ...(unitCostMinor !== undefined ? { unitCostMinor } : {}) };
  });
  const input: InputOf<'inventory.transfer.create'> = {
    kind: v.kind,
    warehouseId: v.warehouseId ?? '',
    origin: v.origin.trim() || null,
    carrier: v.kind === 'delivery' && v.carrier.trim() ? v.carrier.trim() : null,
    carrierCutoff: v.kind === 'delivery' ? localInputToIso(v.carrierCutoff) : null,
    ...(localInputToIso(v.scheduledDate) ? { scheduledDate: localInputToIso(v.scheduledDate)! } : {}),
    ...(v.fromLocationId && v.kind === 'internal' ? { fromLocationId: v.fromLocationId } : {}),
    ...(v.toLocationId && v.kind !== 'delivery' ? { toLocationId: v.toLocationId } : {}),
    lines,
  };
  const schema = schemaErrors(TransferCreateInput, input, { warehouseId: 'warehouseId' });
  for (const [path, message] of Object.entries(schema)) {
    const m = /^lines\.(\d+)\.productId$/.exec(path);
    errors[m ? `lines.${m[1]}.product` : path] ??= m ? 'Choose a product' : message;
  }
  if (!v.warehouseId) errors.warehouseId = 'Choose a warehouse';
  if (v.carrierCutoff.trim() && !localInputToIso(v.carrierCutoff)) errors.carrierCutoff = 'Use a date and time';
  return { input, errors };
}

interface Props {
  kind: Kind;
  warehouses: Warehouse[];
  locations: Location[];
  defaultWarehouseId: string | null;
  onClose(): void;
  onCreated(t: Transfer): void;
}

/** New receipt, delivery or internal transfer: product typeahead, quantities; confirmed on create. */
export function TransferFormModal({ kind, warehouses, locations, defaultWarehouseId, onClose, onCreated }: Props) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<TransferFormValues>({
    initialValues: { kind, warehouseId: defaultWarehouseId ?? warehouses[0]?.id ?? null, origin: '', carrier: '', carrierCutoff: '', scheduledDate: '', fromLocationId: null, toLocationId: null, lines: [newLine()] },
    validate: (v) => transferInputOf(v).errors,
  });
  const v = form.values;
  const wh = warehouses.find((w) => w.id === v.warehouseId);
  const stock = wh ? locationsWithin(locations, `${wh.code}/Stock`) : [];
  const toChoices = v.kind === 'internal' || (v.kind === 'receipt' && wh?.receptionSteps === 1) ? stock : [];

  const save = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      const created = await client.call('inventory.transfer.create', transferInputOf(values).input);
      notifications.show({ color: 'teal', title: `${created.number} created`, message: `${created.lines.length} line(s) · ${created.state}` });
      onCreated(created);
    } catch (e) {
      setFormError(applyServerError(form, e, ['warehouseId', 'origin', 'carrier', 'carrierCutoff', ...values.lines.flatMap((_, i) => [`lines.${i}.quantity`])]));
      setSaving(false);
    }
  });

  const title = { receipt: 'New receipt', delivery: 'New delivery', internal: 'New internal transfer' }[v.kind];
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>{title}</Text>} size="xl">
      <form onSubmit={save} onKeyDown={getHotkeyHandler([['mod+S', () => save()]])} noValidate aria-label={title}>
        <Stack gap="sm">
          {formError && (
            <Alert color="red" title="Not created">
              {formError}
            </Alert>
          )}
          <Group gap="sm" align="flex-end">
            <div>
              <Text component="label" id="transfer-kind-label" size="xs" fw={500} display="block" mb={2}>
                Type
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby="transfer-kind-label"
                data={[
                  { value: 'receipt', label: 'Receipt' },
                  { value: 'delivery', label: 'Delivery' },
                  { value: 'internal', label: 'Internal' },
                ]}
                {...form.getInputProps('kind')}
              />
            </div>
            <Select label="Warehouse" required w={260} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} {...form.getInputProps('warehouseId')} />
            <TextInput label="Origin" placeholder="PO, SO or note" w={180} {...form.getInputProps('origin')} />
            <TextInput label="Scheduled" type="datetime-local" w={190} {...form.getInputProps('scheduledDate')} />
          </Group>
          {wh && (
            <Text size="xs" c="dimmed">
              {v.kind === 'receipt' && (wh.receptionSteps === 1 ? 'One step: goods go straight into stock.' : `${wh.receptionSteps} steps: received into Input, then put away into a bin.`)}
              {v.kind === 'delivery' && (wh.deliverySteps === 1 ? 'One step: shipped straight from stock.' : wh.deliverySteps === 2 ? 'Two steps: pick to Output, then ship.' : 'Three steps: pick → pack → ship.')}
              {v.kind === 'internal' && 'Moves stock between locations of this warehouse.'}
            </Text>
          )}
          {(v.kind === 'delivery' || toChoices.length > 0 || v.kind === 'internal') && (
            <SimpleGrid cols={3} spacing="sm">
              {v.kind === 'delivery' && <TextInput label="Carrier" placeholder="e.g. UPS" {...form.getInputProps('carrier')} />}
              {v.kind === 'delivery' && <TextInput label="Carrier cut-off" type="datetime-local" {...form.getInputProps('carrierCutoff')} />}
              {v.kind === 'internal' && <Select label="From location" searchable clearable allowDeselect placeholder={`${wh?.code ?? ''}/Stock`} data={stock.map((l) => ({ value: l.id, label: l.path }))} {...form.getInputProps('fromLocationId')} />}
              {toChoices.length > 0 && <Select label="To location" searchable clearable allowDeselect placeholder={`${wh?.code ?? ''}/Stock`} data={toChoices.map((l) => ({ value: l.id, label: l.path }))} {...form.getInputProps('toLocationId')} />}
            </SimpleGrid>
          )}
          <table className="wh-table" aria-label="Lines">
            <thead>
              <tr>
                <th style={{ width: 28 }}>#</th>
                <th>Product</th>
                <th style={{ width: 110 }} className="bl-num">
                  Quantity
                </th>
                {v.kind === 'receipt' && (
                  <th style={{ width: 120 }} className="bl-num">
                    Unit cost
                  </th>
                )}
                <th style={{ width: 36 }} />
              </tr>
            </thead>
            <tbody>
              {v.lines.map((l, i) => (
                <tr key={l.key}>
                  <td className="bl-num">{i + 1}</td>
                  <td style={{ paddingTop: 4, paddingBottom: 4 }}>
                    <ProductPicker
                      aria-label={`Product, line ${i + 1}`}
                      value={l.product}
                      onChange={(p) => form.setFieldValue(`lines.${i}.product`, p)}
                      error={form.errors[`lines.${i}.product`]}
                      data-autofocus={i === 0 ? true : undefined}
                    />
                  </td>
                  <td>
                    <NumberInput size="xs" aria-label={`Quantity, line ${i + 1}`} min={1} allowDecimal={false} hideControls styles={{ input: { textAlign: 'right' } }} {...form.getInputProps(`lines.${i}.quantity`)} />
                  </td>
                  {v.kind === 'receipt' && (
                    <td>
                      <TextInput aria-label={`Unit cost, line ${i + 1}`} placeholder={l.product ? (l.product.costMinor / 100).toFixed(2) : '0.00'} inputMode="decimal" styles={{ input: { textAlign: 'right' } }} {...form.getInputProps(`lines.${i}.unitCost`)} />
                    </td>
                  )}
                  <td>
                    <ActionIcon aria-label={`Remove line ${i + 1}`} disabled={v.lines.length === 1} onClick={() => form.removeListItem('lines', i)}>
                      <IconTrash size={14} />
                    </ActionIcon>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {typeof form.errors.lines === 'string' && (
            <Text size="xs" c="red">
              {form.errors.lines}
            </Text>
          )}
          <Group justify="space-between">
            <Button variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('lines', newLine())}>
              Add line
            </Button>
            <Group gap="xs">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={saving} rightSection={<Kbd size="xs">Ctrl S</Kbd>}>
                Create and confirm
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

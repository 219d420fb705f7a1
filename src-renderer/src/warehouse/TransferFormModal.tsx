import { Alert, Button, Checkbox, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { type InputOf, TransferCreateInput } from '../../../src-shared/contract/index';
import { applyServerError, schemaErrors } from '../lib/forms';
import { parseMoney } from '../lib/money';
import { client } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { SegmentedField } from '../ui/SegmentedField';
import { localInputToIso } from './format';
import { type LineDraft, LineEditor } from './LineEditor';
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
  /** A receipt whose goods are already here: validated in the same command. */
  receiveNow: boolean;
  lines: (LineDraft & { unitCost: string })[];
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
    ...(v.kind === 'receipt' && v.receiveNow ? { validate: true } : {}),
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
    initialValues: { kind, warehouseId: defaultWarehouseId ?? warehouses[0]?.id ?? null, origin: '', carrier: '', carrierCutoff: '', scheduledDate: '', fromLocationId: null, toLocationId: null, receiveNow: false, lines: [newLine()] },
    validate: (v) => transferInputOf(v).errors,
  });
  // The page may still be loading its warehouses when the form opens: take the default when they arrive.
  const fallbackWarehouseId = defaultWarehouseId ?? warehouses[0]?.id ?? null;
  useEffect(() => {
    if (!form.values.warehouseId && fallbackWarehouseId) form.setFieldValue('warehouseId', fallbackWarehouseId);
  }, [fallbackWarehouseId]);
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
            <SegmentedField
              label="Type"
              data={[
                { value: 'receipt', label: 'Receipt' },
                { value: 'delivery', label: 'Delivery' },
                { value: 'internal', label: 'Internal' },
              ]}
              {...form.getInputProps('kind')}
            />
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
          {v.kind === 'receipt' && (
            <Checkbox
              label={wh && wh.receptionSteps > 1 ? 'Goods are here: receive into Input now' : 'Goods are here: receive into stock now'}
              description="Creates the receipt and validates it in one step, every line as planned"
              {...form.getInputProps('receiveNow', { type: 'checkbox' })}
            />
          )}
          <LineEditor<TransferFormValues['lines'][number]>
            label="Lines"
            lines={v.lines}
            productError={(i) => form.errors[`lines.${i}.product`]}
            onProduct={(i, p) => form.setFieldValue(`lines.${i}.product`, p)}
            inputProps={(path) => form.getInputProps(path)}
            onRemove={(i) => form.removeListItem('lines', i)}
            autoFocusFirst
            extra={
              v.kind === 'receipt'
                ? [
                    {
                      id: 'unitCost',
                      label: 'Unit cost',
                      num: true,
                      width: 120,
                      render: (l, i) => (
                        <TextInput aria-label={`Unit cost, line ${i + 1}`} placeholder={l.product ? (l.product.costMinor / 100).toFixed(2) : '0.00'} inputMode="decimal" styles={{ input: { textAlign: 'right' } }} {...form.getInputProps(`lines.${i}.unitCost`)} />
                      ),
                    },
                  ]
                : []
            }
          />
          {typeof form.errors.lines === 'string' && (
            <Text size="xs" c="red">
              {form.errors.lines}
            </Text>
          )}
          <FormActions
            left={
              <Button variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('lines', newLine())}>
                Add line
              </Button>
            }
            onCancel={onClose}
            submitLabel={v.kind === 'receipt' && v.receiveNow ? 'Create and receive' : 'Create and confirm'}
            saving={saving}
            saveKey
          />
        </Stack>
      </form>
    </Modal>
  );
}

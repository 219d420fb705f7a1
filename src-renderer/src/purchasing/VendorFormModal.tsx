import { Alert, Button, Checkbox, Divider, Group, Loader, Menu, Modal, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconPlus } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import type { InputOf, OutputOf } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError } from '../lib/forms';
import { parseMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { money } from '../sales/format';
import { checkContacts, type ContactForm, contactForms, contactInputs, contactPaths, ContactsEditor } from '../partners/ContactsEditor';
import { FormActions } from '../ui/FormActions';
import { useRecordForm } from '../ui/useRecordForm';
import { useEngineQuery } from '../ui/useEngineQuery';
import { type PickedProduct, ProductPicker } from '../warehouse/ProductPicker';

/** NumberInput gives '' when cleared: the form says so instead of sending nothing. */
type WholeNumber = number | string;
interface Values {
  code: string;
  name: string;
  email: string;
  phone: string;
  paymentTermsDays: WholeNumber;
  leadTimeDays: WholeNumber;
  currency: string;
  minOrderQty: WholeNumber;
  orderMultiple: WholeNumber;
  ediEnabled: boolean;
  ediId: string;
  active: boolean;
  contacts: ContactForm[];
}
interface PriceValues {
  product: PickedProduct | null;
  minQuantity: WholeNumber;
  price: string;
  vendorSku: string;
}
type Vendor = OutputOf<'purchasing.vendor.get'>;
type VendorPrice = OutputOf<'purchasing.price.list'>['rows'][number];

const FIELDS = ['code', 'name', 'email', 'phone', 'paymentTermsDays', 'leadTimeDays', 'currency', 'minOrderQty', 'orderMultiple', 'ediEnabled', 'ediId', 'active'];
const PRICE_FIELDS = ['product', 'minQuantity', 'price', 'vendorSku'];
const PRICE_PATHS = { productId: 'product', priceMinor: 'price' };
const blank = (s: string) => (s.trim() === '' ? null : s.trim());

function toValues(v: Vendor | null): Values {
  return {
    code: v?.code ?? '',
    name: v?.name ?? '',
    email: v?.email ?? '',
    phone: v?.phone ?? '',
    paymentTermsDays: v?.paymentTermsDays ?? 30,
    leadTimeDays: v?.leadTimeDays ?? 7,
    currency: v?.currency ?? 'USD',
    minOrderQty: v?.minOrderQty ?? 1,
    orderMultiple: v?.orderMultiple ?? 1,
    ediEnabled: v?.ediEnabled ?? false,
    ediId: v?.ediId ?? '',
    active: v?.active ?? true,
    contacts: v ? contactForms(v.contacts, false) : [],
  };
}

/** The form's values as the create input; only what the form can know is checked here, the engine checks the rest. */
function inputOf(v: Values): { input?: InputOf<'purchasing.vendor.create'>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const whole = (field: keyof Values, label: string) => {
    const n = v[field];
    if (typeof n !== 'number') errors[field] = `${label} is required`;
    return typeof n === 'number' ? n : 0;
  };
  if (!v.name.trim()) errors.name = 'Name is required';
  const paymentTermsDays = whole('paymentTermsDays', 'Payment terms');
  const leadTimeDays = whole('leadTimeDays', 'Lead time');
  const minOrderQty = whole('minOrderQty', 'Minimum order quantity');
  const orderMultiple = whole('orderMultiple', 'Order multiple');
  checkContacts(v.contacts, errors);
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    input: {
      ...(v.code.trim() ? { code: v.code.trim() } : {}),
      name: v.name.trim(),
      email: blank(v.email),
      phone: blank(v.phone),
      paymentTermsDays,
      leadTimeDays,
      currency: v.currency.trim(),
      minOrderQty,
      orderMultiple,
      ediEnabled: v.ediEnabled,
      ediId: blank(v.ediId),
      contacts: contactInputs(v.contacts),
    },
  };
}

/** A basis-point rate as a percentage ("9,250" → "92.5 %"); "—" without history. */
const rate = (bp: number | null) => (bp === null ? '—' : `${(bp / 100).toFixed(1)} %`);

/** On-time rate, fill rate and observed lead time; the on-time rate turns red where replenishment counts the vendor as poor. */
function Performance({ vendor }: { vendor: Vendor }) {
  const p = vendor.performance;
  const [settings, setSettings] = useState<OutputOf<'purchasing.settings.get'> | null>(null);
  useEffect(() => {
    client
      .call('purchasing.settings.get', {})
      .then(setSettings)
      .catch(() => setSettings(null));
  }, []);
  const poor = settings !== null && p.onTimeRateBp !== null && p.receiptLines >= settings.poorOnTimeMinLines && p.onTimeRateBp < settings.poorOnTimeBp;
  const stat = (label: string, value: string, testId: string, color?: string) => (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} c={color} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  );
  return (
    <Group gap="xl" aria-label="Performance" role="group">
      {stat('On time', rate(p.onTimeRateBp), 'vendor-on-time', poor ? 'red' : undefined)}
      {stat('Fill rate', rate(p.fillRateBp), 'vendor-fill-rate')}
      {stat('Observed lead time', p.observedLeadDays === null ? '—' : `${p.observedLeadDays} d (agreed ${vendor.leadTimeDays} d)`, 'vendor-observed-lead')}
      {stat('Receipt lines', p.receiptLines.toLocaleString('en-US'), 'vendor-receipt-lines')}
      {poor && (
        <Text size="sm" c="red">
          Below the {rate(settings.poorOnTimeBp)} on-time target: replenishment sends its orders for review.
        </Text>
      )}
    </Group>
  );
}

/** The vendor's price list with an "add price" row: product by SKU, quantity break, price in the vendor's currency. */
function PriceList({ vendor, writable }: { vendor: Vendor; writable: boolean }) {
  const { can } = useSession();
  const canPrefer = writable && can('inventory.read');
  const warehouses = useEngineQuery(() => (canPrefer ? client.call('inventory.warehouse.list', {}).then((r) => r.rows) : Promise.resolve([])), [canPrefer], []);
  const [rows, setRows] = useState<VendorPrice[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [priceError, setPriceError] = useState<string | null>(null);
  const form = useForm<PriceValues>({
    initialValues: { product: null, minQuantity: 1, price: '', vendorSku: '' },
    validate: {
      product: (p) => (p ? null : 'Pick a product'),
      minQuantity: (q) => (typeof q === 'number' ? null : 'Minimum quantity is required'),
      // Exact decimal → minor units (no floats); the engine's limits apply after.
      price: (t) => {
        const p = parseMoney(t);
        return p.ok ? (p.minor < 0 ? 'Price cannot be negative' : null) : p.message;
      },
    },
  });

  const load = useCallback(() => {
    client
      .call('purchasing.price.list', { vendorId: vendor.id })
      .then((r) => {
        setRows(r.rows);
        setListError(null);
      })
      .catch((e) => setListError(messageOf(e)));
  }, [vendor.id]);
  useEffect(load, [load]);

  const prefer = async (row: VendorPrice, warehouse: { id: string; code: string }) => {
    try {
      await client.call('purchasing.preferredVendor.set', { productId: row.productId, warehouseId: warehouse.id, vendorId: vendor.id });
      notifications.show({ color: 'teal', title: 'Preferred vendor set', message: `${row.sku} at ${warehouse.code} is bought from ${vendor.name}` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Preferred vendor not set', message: messageOf(e) });
    }
  };

  const add = form.onSubmit(async (v) => {
    const parsed = parseMoney(v.price);
    if (!v.product || !parsed.ok || typeof v.minQuantity !== 'number' || adding) return;
    setAdding(true);
    setPriceError(null);
    try {
      const saved = await client.call('purchasing.price.set', { vendorId: vendor.id, productId: v.product.id, minQuantity: v.minQuantity, priceMinor: parsed.minor, vendorSku: blank(v.vendorSku) });
      notifications.show({ color: 'teal', title: 'Price saved', message: `${saved.sku} from ${saved.minQuantity}: ${money(saved.priceMinor, vendor.currency)}` });
      form.reset();
      load();
    } catch (e) {
      setPriceError(applyServerError(form, e, PRICE_FIELDS, PRICE_PATHS));
    } finally {
      setAdding(false);
    }
  });

  return (
    <Stack gap="xs">
      {listError && <Alert color="red">{listError}</Alert>}
      {rows === null && !listError ? (
        <Loader size="xs" />
      ) : rows && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No prices yet.
        </Text>
      ) : (
        <Table striped withTableBorder verticalSpacing={4} aria-label="Vendor prices">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>SKU</Table.Th>
              <Table.Th>Vendor SKU</Table.Th>
              <Table.Th style={{ textAlign: 'right' }}>From qty</Table.Th>
              <Table.Th style={{ textAlign: 'right' }}>Price</Table.Th>
              <Table.Th>Valid</Table.Th>
              {canPrefer && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows?.map((r) => (
              <Table.Tr key={r.id} data-testid={`price-${r.sku}-${r.minQuantity}`}>
                <Table.Td className="bl-mono">{r.sku}</Table.Td>
                <Table.Td>{r.vendorSku ?? ''}</Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>{r.minQuantity.toLocaleString('en-US')}</Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>{money(r.priceMinor, vendor.currency)}</Table.Td>
                <Table.Td>{r.validFrom || r.validTo ? `${r.validFrom ?? '…'} – ${r.validTo ?? '…'}` : 'always'}</Table.Td>
                {canPrefer && (
                  <Table.Td style={{ textAlign: 'right' }}>
                    {/* Replenishment buys the product from the preferred vendor of each warehouse. */}
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <Button size="compact-xs" variant="subtle" rightSection={<IconChevronDown size={12} />} aria-label={`Make preferred for ${r.sku}`}>
                          Make preferred
                        </Button>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Label>Buy {r.sku} from this vendor at</Menu.Label>
                        {warehouses.data.map((w) => (
                          <Menu.Item key={w.id} onClick={() => void prefer(r, w)}>
                            {w.code} — {w.name}
                          </Menu.Item>
                        ))}
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {writable && (
        <form
          onSubmit={add}
          aria-label="Add price"
          onKeyDown={(e) => {
            // Ctrl+S in the price row adds the price (the vendor's Ctrl+S would close the form and lose it).
            if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
              e.preventDefault();
              e.stopPropagation();
              void add();
            }
          }}
        >
          {priceError && (
            <Alert color="red" mb="xs">
              {priceError}
            </Alert>
          )}
          <Group gap="xs" align="flex-start" wrap="nowrap">
            <ProductPicker label="Product" style={{ flex: 2 }} {...form.getInputProps('product')} value={form.values.product} onChange={(p) => form.setFieldValue('product', p)} />
            <NumberInput label="From qty" w={110} min={1} allowDecimal={false} {...form.getInputProps('minQuantity')} />
            <TextInput label={`Price (${vendor.currency})`} aria-label="Price" placeholder="12.50" w={140} {...form.getInputProps('price')} />
            <TextInput label="Vendor SKU" w={150} {...form.getInputProps('vendorSku')} />
            <Button type="submit" mt={25} variant="light" loading={adding} leftSection={<IconPlus size={12} />}>
              Add price
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}

/** Create or edit a vendor: purchasing terms, EDI, contacts; an existing one also shows its performance and price list. Ctrl+S saves, Esc closes. */
export function VendorFormModal({ vendorId, onClose, onSaved }: { vendorId: string | null; onClose(): void; onSaved(v: Vendor): void }) {
  const { can } = useSession();
  const writable = can('purchasing.write');
  const form = useForm<Values>({ initialValues: toValues(null), validate: (v) => inputOf(v).errors });
  const { current, loading, saving, formError, save } = useRecordForm<Values, Vendor, InputOf<'purchasing.vendor.create'>>({
    id: vendorId,
    form,
    writable: () => writable,
    noun: 'Vendor',
    toValues,
    inputOf,
    load: (id) => client.call('purchasing.vendor.get', { id }),
    save: (input, values, v) => {
      // The code is fixed once assigned (the engine's update takes none).
      const { code: _code, ...changes } = input;
      return v ? client.call('purchasing.vendor.update', { ...changes, id: v.id, active: values.active }) : client.call('purchasing.vendor.create', input);
    },
    onSaved,
    onError: (e, values) => {
      // The engine's own sentence stays above the form even when the field shows its short form ("Required for EDI").
      applyServerError(form, e, [...FIELDS, ...contactPaths(values.contacts)]);
      return messageOf(e);
    },
  });

  const title = current ? `Vendor ${current.code}` : 'New vendor';
  return (
    <Modal opened onClose={onClose} size={1000} title={<Title order={3}>{title}</Title>} aria-label={title}>
      {loading ? (
        <Loader size="sm" />
      ) : (
        <Stack gap="sm" onKeyDown={getHotkeyHandler([['mod+S', () => void save()]])}>
          {formError && (
            <Alert color="red" role="alert" aria-label="Not saved">
              {formError}
            </Alert>
          )}
          {!writable && <Alert color="blue">Read-only: changing vendors needs the purchasing write permission.</Alert>}
          {current && <Performance vendor={current} />}
          <form onSubmit={save} aria-label="Vendor">
            {/* A disabled fieldset makes every field read-only in one place for users who may not write. */}
            <fieldset disabled={!writable} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
              <Stack gap="sm">
                <SimpleGrid cols={4} spacing="sm">
                  <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
                  <TextInput label="Code" placeholder="Assigned when empty" disabled={!!current} {...form.getInputProps('code')} />
                  <TextInput label="E-mail" {...form.getInputProps('email')} />
                  <TextInput label="Phone" {...form.getInputProps('phone')} />
                  <NumberInput label="Payment terms (days)" min={0} max={3650} allowDecimal={false} {...form.getInputProps('paymentTermsDays')} />
                  <NumberInput label="Lead time (days)" min={0} max={3650} allowDecimal={false} {...form.getInputProps('leadTimeDays')} />
                  <TextInput label="Currency" placeholder="USD" maxLength={3} {...form.getInputProps('currency')} />
                  <div />
                  <NumberInput label="Min order qty" min={1} allowDecimal={false} thousandSeparator="," {...form.getInputProps('minOrderQty')} />
                  <NumberInput label="Order multiple" min={1} allowDecimal={false} thousandSeparator="," {...form.getInputProps('orderMultiple')} />
                  <TextInput label="EDI id" placeholder="ISA receiver id" {...form.getInputProps('ediId')} />
                  <Group gap="lg" mt={25}>
                    <Checkbox label="EDI enabled" {...form.getInputProps('ediEnabled', { type: 'checkbox' })} />
                    {current && <Checkbox label="Active" {...form.getInputProps('active', { type: 'checkbox' })} />}
                  </Group>
                </SimpleGrid>
                <ContactsEditor form={form} writable={writable} />
              </Stack>
            </fieldset>
          </form>
          {current && (
            <>
              <Divider label="Price list" labelPosition="left" />
              <PriceList vendor={current} writable={writable} />
            </>
          )}
          <FormActions submitLabel={writable ? (current ? 'Save' : 'Create vendor') : undefined} onSubmit={() => void save()} saving={saving} saveKey onCancel={onClose} cancelLabel={writable ? 'Cancel' : 'Close'} mt="sm" />
        </Stack>
      )}
    </Modal>
  );
}

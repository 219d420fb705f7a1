import { ActionIcon, Alert, Button, Checkbox, Divider, Group, Loader, Modal, NumberInput, Select, SimpleGrid, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { CUSTOMER_CLASSES, type Customer, type InputOf } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError } from '../lib/forms';
import { parseMoney } from '../lib/money';
import { client } from '../rpc';
import { money } from '../sales/format';
import { FormActions } from '../ui/FormActions';
import { useRecordForm } from '../ui/useRecordForm';
import { checkContacts, type ContactForm, contactForms, contactInputs, ContactsEditor } from './ContactsEditor';

interface AddressForm {
  id?: string;
  kind: 'bill_to' | 'ship_to';
  label: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  region: string;
  country: string;
  gln: string;
  isDefault: boolean;
}
interface Values {
  code: string;
  name: string;
  legalName: string;
  taxId: string;
  customerClass: (typeof CUSTOMER_CLASSES)[number];
  region: string;
  pricelistId: string | null;
  paymentTermsDays: number;
  creditLimit: string;
  invoicePolicy: 'on_order' | 'on_delivery';
  graceDays: number;
  email: string;
  phone: string;
  gln: string;
  taxRate: string;
  addresses: AddressForm[];
  contacts: ContactForm[];
}

const FIELDS = ['code', 'name', 'legalName', 'taxId', 'customerClass', 'region', 'pricelistId', 'paymentTermsDays', 'creditLimit', 'invoicePolicy', 'graceDays', 'email', 'phone', 'gln', 'taxRate'];
const PATHS = { creditLimitMinor: 'creditLimit', taxRateBp: 'taxRate' };
const blank = (s: string) => (s.trim() === '' ? null : s.trim());
const emptyAddress = (kind: AddressForm['kind'], isDefault = false): AddressForm => ({ kind, label: '', line1: '', line2: '', city: '', postalCode: '', region: '', country: 'US', gln: '', isDefault });

function toValues(c: Customer | null): Values {
  return {
    code: c?.code ?? '',
    name: c?.name ?? '',
    legalName: c?.legalName ?? '',
    taxId: c?.taxId ?? '',
    customerClass: c?.customerClass ?? 'regular',
    region: c?.region ?? '',
    pricelistId: c?.pricelistId ?? null,
    paymentTermsDays: c?.paymentTermsDays ?? 30,
    creditLimit: c?.creditLimitMinor === null || c?.creditLimitMinor === undefined ? '' : money(c.creditLimitMinor).replace(/,/g, ''),
    invoicePolicy: c?.invoicePolicy ?? 'on_delivery',
    graceDays: c?.graceDays ?? 0,
    email: c?.email ?? '',
    phone: c?.phone ?? '',
    gln: c?.gln ?? '',
    taxRate: c?.taxRateBp === null || c?.taxRateBp === undefined ? '' : String(c.taxRateBp / 100),
    addresses: c
      ? c.addresses.map((a) => ({ id: a.id, kind: a.kind, label: a.label ?? '', line1: a.line1, line2: a.line2 ?? '', city: a.city, postalCode: a.postalCode ?? '', region: a.region ?? '', country: a.country, gln: a.gln ?? '', isDefault: a.isDefault }))
      : [emptyAddress('bill_to', true)],
    contacts: c ? contactForms(c.contacts, true) : [],
  };
}

/** The form's values as the contract's input; amounts parsed exactly (no floats), errors by field. */
function inputOf(v: Values): { input?: InputOf<'partners.customer.create'>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let creditLimitMinor: number | null = null;
  if (v.creditLimit.trim()) {
    const p = parseMoney(v.creditLimit);
    if (!p.ok) errors.creditLimit = p.message;
    else if (p.minor < 0) errors.creditLimit = 'Credit limit cannot be negative';
    else creditLimitMinor = p.minor;
  }
  let taxRateBp: number | null = null;
  if (v.taxRate.trim()) {
    const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(v.taxRate.trim());
    if (!m) errors.taxRate = 'A percentage like 8.25';
    else taxRateBp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  }
  if (!v.name.trim()) errors.name = 'Name is required';
  v.addresses.forEach((a, i) => {
    if (!a.line1.trim()) errors[`addresses.${i}.line1`] = 'Street is required';
    if (!a.city.trim()) errors[`addresses.${i}.city`] = 'City is required';
  });
  checkContacts(v.contacts, errors);
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    input: {
      ...(v.code.trim() ? { code: v.code.trim() } : {}),
      name: v.name.trim(),
      legalName: blank(v.legalName),
      taxId: blank(v.taxId),
      customerClass: v.customerClass,
      region: blank(v.region),
      pricelistId: v.pricelistId,
      paymentTermsDays: v.paymentTermsDays,
      creditLimitMinor,
      invoicePolicy: v.invoicePolicy,
      graceDays: v.graceDays,
      email: blank(v.email),
      phone: blank(v.phone),
      gln: blank(v.gln),
      taxRateBp,
      addresses: v.addresses.map((a) => ({
        ...(a.id ? { id: a.id } : {}),
        kind: a.kind,
        label: blank(a.label),
        line1: a.line1.trim(),
        line2: blank(a.line2),
        city: a.city.trim(),
        postalCode: blank(a.postalCode),
        region: blank(a.region),
        country: a.country.trim() || 'US',
        gln: blank(a.gln),
        isDefault: a.isDefault,
      })),
      contacts: contactInputs(v.contacts),
    },
  };
}

/** Create or edit a customer with its addresses (bill-to, ship-to) and contacts. Ctrl+S saves, Esc closes. */
export function CustomerFormModal({ customerId, onClose, onSaved }: { customerId: string | null; onClose(): void; onSaved(c: Customer): void }) {
  const { can } = useSession();
  const [pricelists, setPricelists] = useState<{ value: string; label: string }[]>([]);
  const form = useForm<Values>({ initialValues: toValues(null), validate: (v) => inputOf(v).errors });
  // Another branch's customer is read-only here: only its branch changes it (the engine refuses too).
  const canSave = (c: Customer | null) => can('partners.write') && !c?.ownedElsewhere;
  const { current, loading, saving, formError, save } = useRecordForm<Values, Customer, InputOf<'partners.customer.create'>>({
    id: customerId,
    form,
    writable: canSave,
    noun: 'Customer',
    toValues,
    inputOf,
    load: (id) => client.call('partners.customer.get', { id }),
    save: (input, _values, c) => (c ? client.call('partners.customer.update', { ...input, id: c.id, version: c.version }) : client.call('partners.customer.create', input)),
    onSaved,
    onError: (e) => applyServerError(form, e, FIELDS, PATHS),
  });
  const writable = canSave(current);

  useEffect(() => {
    client
      .call('pricing.pricelist.list', {})
      .then((r) => setPricelists(r.rows.map((p) => ({ value: p.id, label: `${p.code} — ${p.name}` }))))
      .catch(() => setPricelists([]));
  }, []);

  return (
    <Modal opened onClose={onClose} size={980} title={<Title order={3}>{current ? `Customer ${current.code}` : 'New customer'}</Title>} aria-label={current ? `Customer ${current.code}` : 'New customer'}>
      {loading ? (
        <Loader size="sm" />
      ) : (
        <form onSubmit={save} onKeyDown={getHotkeyHandler([['mod+S', () => void save()]])} aria-label="Customer">
          <Stack gap="sm">
            {formError && <Alert color="red">{formError}</Alert>}
            {current?.ownedElsewhere && (
              <Alert color="blue" aria-label="Owned by another branch">
                This customer belongs to branch {current.ownedElsewhere}: only that branch can change it. Its changes reach this branch with the sync.
              </Alert>
            )}
            <SimpleGrid cols={4} spacing="sm">
              <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
              <TextInput label="Code" placeholder="Assigned when empty" {...form.getInputProps('code')} />
              <TextInput label="Legal name" {...form.getInputProps('legalName')} />
              <TextInput label="Tax id" {...form.getInputProps('taxId')} />
              <Select label="Class" data={CUSTOMER_CLASSES.map((c) => ({ value: c, label: c === 'key_account' ? 'Key account' : c === 'regular' ? 'Regular' : 'Consumer' }))} allowDeselect={false} {...form.getInputProps('customerClass')} />
              <TextInput label="Region" {...form.getInputProps('region')} />
              <Select label="Pricelist" placeholder="By class and channel" clearable data={pricelists} {...form.getInputProps('pricelistId')} />
              <Select label="Invoice policy" data={[{ value: 'on_delivery', label: 'On delivery' }, { value: 'on_order', label: 'On order (prepaid)' }]} allowDeselect={false} {...form.getInputProps('invoicePolicy')} />
              <NumberInput label="Payment terms (days)" min={0} max={365} allowDecimal={false} {...form.getInputProps('paymentTermsDays')} />
              <TextInput label="Credit limit" placeholder="No limit" {...form.getInputProps('creditLimit')} />
              <NumberInput label="Grace days" min={0} max={365} allowDecimal={false} {...form.getInputProps('graceDays')} />
              <TextInput label="Tax rate override (%)" placeholder="Product's rate" {...form.getInputProps('taxRate')} />
              <TextInput label="E-mail" {...form.getInputProps('email')} />
              <TextInput label="Phone" {...form.getInputProps('phone')} />
              <TextInput label="GLN" {...form.getInputProps('gln')} />
            </SimpleGrid>
            <Divider label="Addresses" labelPosition="left" />
            {form.values.addresses.map((a, i) => (
              <Group key={a.id ?? `new-${i}`} gap="xs" align="flex-end" wrap="nowrap" aria-label={`Address ${i + 1}`} role="group">
                <Select label="Kind" w={110} data={[{ value: 'bill_to', label: 'Bill to' }, { value: 'ship_to', label: 'Ship to' }]} allowDeselect={false} {...form.getInputProps(`addresses.${i}.kind`)} />
                <TextInput label="Label" w={100} {...form.getInputProps(`addresses.${i}.label`)} />
                <TextInput label="Street" style={{ flex: 2 }} {...form.getInputProps(`addresses.${i}.line1`)} aria-label={`Street, address ${i + 1}`} />
                <TextInput label="City" style={{ flex: 1 }} {...form.getInputProps(`addresses.${i}.city`)} aria-label={`City, address ${i + 1}`} />
                <TextInput label="Postal code" w={100} {...form.getInputProps(`addresses.${i}.postalCode`)} />
                <TextInput label="Region" w={100} {...form.getInputProps(`addresses.${i}.region`)} />
                <TextInput label="Country" w={70} {...form.getInputProps(`addresses.${i}.country`)} />
                <Checkbox label="Default" mb={8} {...form.getInputProps(`addresses.${i}.isDefault`, { type: 'checkbox' })} />
                <ActionIcon mb={4} variant="subtle" color="red" aria-label={`Remove address ${i + 1}`} onClick={() => form.removeListItem('addresses', i)}>
                  <IconTrash size={14} />
                </ActionIcon>
              </Group>
            ))}
            <Group gap="xs">
              <Button variant="light" size="xs" leftSection={<IconPlus size={12} />} onClick={() => form.insertListItem('addresses', emptyAddress('ship_to'))}>
                Add ship-to address
              </Button>
              <Button variant="subtle" size="xs" leftSection={<IconPlus size={12} />} onClick={() => form.insertListItem('addresses', emptyAddress('bill_to'))}>
                Add bill-to address
              </Button>
            </Group>
            <ContactsEditor form={form} writable={writable} />
            <FormActions submitLabel={writable ? (current ? 'Save' : 'Create customer') : undefined} saving={saving} saveKey onCancel={onClose} mt="sm" />
          </Stack>
        </form>
      )}
    </Modal>
  );
}

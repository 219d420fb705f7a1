import { Alert, Badge, Button, Group, Modal, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconArchive, IconRestore } from '@tabler/icons-react';
import { useState } from 'react';
import { TRACKING } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError } from '../lib/forms';
import { client, isRpcError, messageOf } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { PRODUCT_FORM_FIELDS, PRODUCT_PATHS, type ProductFormValues, emptyProductForm, productInputOf, productToForm } from './productForm';
import type { Product } from './productWindow';
import type { Category, Uom } from './useCatalogRefs';

const TRACKING_LABELS: Record<(typeof TRACKING)[number], string> = { none: 'None', lot: 'Lot', serial: 'Serial number' };

interface Props {
  /** null: a new product; else the product being edited. */
  product: Product | null;
  categories: Category[];
  uoms: Uom[];
  onClose(): void;
  onSaved(product: Product, action: 'created' | 'saved' | 'archived' | 'restored'): void;
}

/** Create or edit a product; archive or restore it. Esc closes, Ctrl+S saves. */
export function ProductFormModal({ product, categories, uoms, onClose, onSaved }: Props) {
  const { can } = useSession();
  const writable = can('catalog.write');
  const [current, setCurrent] = useState<Product | null>(product);
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const defaultUom = uoms.find((u) => u.code === 'EA')?.id ?? uoms[0]?.id ?? null;

  const form = useForm<ProductFormValues>({
    initialValues: product ? productToForm(product) : emptyProductForm(defaultUom),
    validate: (values) => productInputOf(values).errors,
  });

  const save = form.onSubmit(async (values) => {
    if (!writable || saving) return;
    const { input } = productInputOf(values);
    setSaving(true);
    setFormError(null);
    try {
      const saved = current
        ? await client.call('catalog.product.update', { ...input, id: current.id, version: current.version })
        : await client.call('catalog.product.create', input);
      notifications.show({ color: 'teal', title: current ? 'Product saved' : 'Product created', message: `${saved.sku} · ${saved.name}` });
      onSaved(saved, current ? 'saved' : 'created');
    } catch (e) {
      setFormError(applyServerError(form, e, PRODUCT_FORM_FIELDS, PRODUCT_PATHS));
      setSaving(false);
    }
  });

  async function setArchived(archive: boolean) {
    if (!current) return;
    setSaving(true);
    setFormError(null);
    try {
      const p = archive ? await client.call('catalog.product.archive', { id: current.id }) : await client.call('catalog.product.restore', { id: current.id });
      setCurrent(p);
      notifications.show({ color: archive ? 'gray' : 'teal', title: archive ? 'Product archived' : 'Product restored', message: `${p.sku} · ${p.name}` });
      onSaved(p, archive ? 'archived' : 'restored');
    } catch (e) {
      setFormError(isRpcError(e) ? e.message : messageOf(e));
    } finally {
      setSaving(false);
    }
  }

  const title = current ? (
    <Group gap="xs">
      <Text span fw={600}>
        Product
      </Text>
      <Text span className="bl-mono" c="dimmed">
        {current.sku}
      </Text>
      {!current.active && <Badge color="gray">Archived</Badge>}
    </Group>
  ) : (
    <Text span fw={600}>
      New product
    </Text>
  );

  return (
    <Modal opened onClose={onClose} title={title} size="lg" closeOnEscape>
      <form onSubmit={save} onKeyDown={getHotkeyHandler([['mod+S', () => save()]])} noValidate aria-label={current ? `Edit product ${current.sku}` : 'New product'}>
        <Stack gap="sm">
          {formError && (
            <Alert color="red" title="Not saved">
              {formError}
            </Alert>
          )}
          <SimpleGrid cols={2} spacing="sm" verticalSpacing="xs">
            <TextInput label="SKU" required data-autofocus readOnly={!writable} className="bl-mono-input" {...form.getInputProps('sku')} />
            <TextInput label="Barcode" description="EAN-8, UPC-A, EAN-13 or GTIN-14" inputMode="numeric" readOnly={!writable} {...form.getInputProps('barcode')} />
          </SimpleGrid>
          <TextInput label="Name" required readOnly={!writable} {...form.getInputProps('name')} />
          <SimpleGrid cols={3} spacing="sm" verticalSpacing="xs">
            <Select
              label="Category"
              placeholder="No category"
              clearable
              allowDeselect
              searchable
              readOnly={!writable}
              data={categories.map((c) => ({ value: c.id, label: c.name }))}
              {...form.getInputProps('categoryId')}
            />
            <Select
              label="Unit of measure"
              required
              searchable
              readOnly={!writable}
              data={uoms.map((u) => ({ value: u.id, label: `${u.code} — ${u.name}` }))}
              {...form.getInputProps('uomId')}
            />
            <Select
              label="Tracking"
              readOnly={!writable}
              data={TRACKING.map((t) => ({ value: t, label: TRACKING_LABELS[t] }))}
              {...form.getInputProps('tracking')}
            />
          </SimpleGrid>
          <SimpleGrid cols={3} spacing="sm" verticalSpacing="xs">
            <TextInput label="List price" required inputMode="decimal" placeholder="0.00" readOnly={!writable} styles={{ input: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' } }} {...form.getInputProps('listPrice')} />
            <TextInput label="Cost" required inputMode="decimal" placeholder="0.00" readOnly={!writable} styles={{ input: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' } }} {...form.getInputProps('cost')} />
          </SimpleGrid>
          {current && (
            <Text size="xs" c="dimmed">
              Version {current.version} · created {current.createdAt.slice(0, 16).replace('T', ' ')} · updated {current.updatedAt.slice(0, 16).replace('T', ' ')}
            </Text>
          )}
          <FormActions
            mt="xs"
            left={
              writable &&
              current &&
              (current.active ? (
                <Button variant="light" color="gray" leftSection={<IconArchive size={14} />} onClick={() => void setArchived(true)} disabled={saving}>
                  Archive
                </Button>
              ) : (
                <Button variant="light" color="teal" leftSection={<IconRestore size={14} />} onClick={() => void setArchived(false)} disabled={saving}>
                  Restore
                </Button>
              ))
            }
            onCancel={onClose}
            cancelLabel={writable ? 'Cancel' : 'Close'}
            submitLabel={writable ? (current ? 'Save' : 'Create product') : undefined}
            saving={saving}
            saveKey
          />
        </Stack>
      </form>
    </Modal>
  );
}

import { ActionIcon, Alert, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client } from '../rpc';
import { type Category, useCatalogRefs } from './useCatalogRefs';

export function CategoriesPage() {
  const { can } = useSession();
  const writable = can('catalog.write');
  const { categories, error, reload } = useCatalogRefs();
  const [renaming, setRenaming] = useState<Category | null>(null);
  const byId = new Map(categories.map((c) => [c.id, c]));

  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>Categories</Title>
        <Text size="sm" c="dimmed">
          {categories.length} categories
        </Text>
      </div>
      <div className="bl-page-body">
        <Stack gap="md" maw={900}>
          {error && <Alert color="red">{error}</Alert>}
          {writable && <NewCategory categories={categories} onCreated={() => void reload()} />}
          <Table className="bl-table" highlightOnHover stickyHeader aria-label="Categories">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Parent category</Table.Th>
                <Table.Th ta="right">Active products</Table.Th>
                {writable && <Table.Th w={48} aria-label="Actions" />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {categories.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td fw={500}>{c.name}</Table.Td>
                  <Table.Td c="dimmed">{c.parentId ? byId.get(c.parentId)?.name ?? '—' : '—'}</Table.Td>
                  <Table.Td ta="right" className="bl-num">
                    {c.productCount.toLocaleString('en-US')}
                  </Table.Td>
                  {writable && (
                    <Table.Td>
                      <Tooltip label="Rename">
                        <ActionIcon size="sm" aria-label={`Rename ${c.name}`} onClick={() => setRenaming(c)}>
                          <IconPencil size={14} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
              {categories.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>
                    <Text c="dimmed" size="sm" ta="center" py="md">
                      No categories yet
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Stack>
      </div>
      {renaming && (
        <RenameCategory
          category={renaming}
          onClose={() => setRenaming(null)}
          onDone={() => {
            setRenaming(null);
            void reload();
          }}
        />
      )}
    </div>
  );
}

function NewCategory({ categories, onCreated }: { categories: Category[]; onCreated(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: '', parentId: null as string | null },
    validate: (v) => schemaErrors(contract['catalog.category.create'].input, v),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      const c = await client.call('catalog.category.create', values);
      notifications.show({ color: 'teal', title: 'Category created', message: c.name });
      form.reset();
      onCreated();
    } catch (e) {
      setFormError(applyServerError(form, e, ['name', 'parentId']));
    } finally {
      setSaving(false);
    }
  });
  return (
    <Card withBorder padding="sm">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="New category">
        <Stack gap={6}>
          <Text fw={600} size="sm">
            New category
          </Text>
          {formError && <Alert color="red">{formError}</Alert>}
          <Group align="flex-start" gap="sm">
            <TextInput label="Category name" required w={280} {...form.getInputProps('name')} />
            <Select
              label="Parent category"
              placeholder="None (top level)"
              clearable
              allowDeselect
              searchable
              w={240}
              data={categories.map((c) => ({ value: c.id, label: c.name }))}
              {...form.getInputProps('parentId')}
            />
            <Button type="submit" mt={19} loading={saving} leftSection={<IconPlus size={14} />}>
              Create category
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function RenameCategory({ category, onClose, onDone }: { category: Category; onClose(): void; onDone(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: category.name },
    validate: (v) => schemaErrors(contract['catalog.category.rename'].input, { id: category.id, ...v }),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    try {
      await client.call('catalog.category.rename', { id: category.id, name: values.name });
      onDone();
    } catch (e) {
      setFormError(applyServerError(form, e, ['name']));
      setSaving(false);
    }
  });
  return (
    <Modal opened onClose={onClose} title={<Text span fw={600}>Rename category</Text>} size="sm">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate>
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label="Category name" required data-autofocus {...form.getInputProps('name')} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

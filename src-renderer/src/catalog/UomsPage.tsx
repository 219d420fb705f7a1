import { Alert, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client } from '../rpc';
import { useEngineQuery } from '../ui/useEngineQuery';
import type { UomList } from './useCatalogRefs';

const KINDS = ['unit', 'weight', 'length', 'volume', 'time'] as const;

const NO_UOMS: UomList = { uoms: [], conversions: [] };

export function UomsPage() {
  const { can } = useSession();
  const writable = can('catalog.write');
  const { data, error, reload } = useEngineQuery(() => client.call('catalog.uom.list', {}), [], NO_UOMS);
  const code = new Map(data.uoms.map((u) => [u.id, u.code]));
  // Product-specific conversions (a box of 12 of one product) belong on that product; here the general ones.
  const general = data.conversions.filter((c) => c.productId === null);
  const perProduct = data.conversions.length - general.length;

  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>Units of measure</Title>
        <Text size="sm" c="dimmed">
          {data.uoms.length} units · {data.conversions.length.toLocaleString('en-US')} conversions
        </Text>
      </div>
      <div className="bl-page-body">
        <Stack gap="md" maw={900}>
          {error && <Alert color="red">{error}</Alert>}
          {writable && <NewUom onCreated={() => void reload()} />}
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Stack gap={6}>
              <Text fw={600} size="sm">
                Units
              </Text>
              <Table className="bl-table" highlightOnHover aria-label="Units of measure">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Code</Table.Th>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Kind</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.uoms.map((u) => (
                    <Table.Tr key={u.id}>
                      <Table.Td className="bl-mono" fw={600}>
                        {u.code}
                      </Table.Td>
                      <Table.Td>{u.name}</Table.Td>
                      <Table.Td>
                        <Badge color="gray">{u.kind}</Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
            <Stack gap={6}>
              <Text fw={600} size="sm">
                Conversions for all products
              </Text>
              <Table className="bl-table" aria-label="Unit of measure conversions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>From</Table.Th>
                    <Table.Th>Equals</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {general.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td className="bl-mono">1 {code.get(c.fromUomId)}</Table.Td>
                      <Table.Td className="bl-mono">
                        {c.denominator === 1 ? c.numerator : `${c.numerator}/${c.denominator}`} {code.get(c.toUomId)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  {general.length === 0 && (
                    <Table.Tr>
                      <Table.Td colSpan={2}>
                        <Text c="dimmed" size="sm" ta="center" py="sm">
                          No conversions
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Table.Tbody>
              </Table>
              {perProduct > 0 && (
                <Text size="xs" c="dimmed">
                  Plus {perProduct.toLocaleString('en-US')} product-specific conversions (such as a box of 12 of one product), kept with each product.
                </Text>
              )}
            </Stack>
          </SimpleGrid>
        </Stack>
      </div>
    </div>
  );
}

function NewUom({ onCreated }: { onCreated(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { code: '', name: '', kind: 'unit' as (typeof KINDS)[number] },
    validate: (v) => schemaErrors(contract['catalog.uom.create'].input, v),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      const u = await client.call('catalog.uom.create', values);
      notifications.show({ color: 'teal', title: 'Unit of measure created', message: `${u.code} — ${u.name}` });
      form.reset();
      onCreated();
    } catch (e) {
      setFormError(applyServerError(form, e, ['code', 'name', 'kind']));
    } finally {
      setSaving(false);
    }
  });
  return (
    <Card withBorder padding="sm">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="New unit of measure">
        <Stack gap={6}>
          <Text fw={600} size="sm">
            New unit of measure
          </Text>
          {formError && <Alert color="red">{formError}</Alert>}
          <Group align="flex-start" gap="sm">
            <TextInput label="Code" required w={110} {...form.getInputProps('code')} />
            <TextInput label="Unit name" required w={220} {...form.getInputProps('name')} />
            <Select label="Kind" w={130} data={KINDS.map((k) => ({ value: k, label: k }))} {...form.getInputProps('kind')} />
            <Button type="submit" mt={19} loading={saving} leftSection={<IconPlus size={14} />}>
              Create unit
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

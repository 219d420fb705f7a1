import { Badge, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useMemo, useRef, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { CUSTOMER_CLASSES } from '../../../src-shared/contract/partners';
import { CHANNEL_CODES, PRICE_METHODS } from '../../../src-shared/contract/pricing';
import { useSession } from '../app/session';
import { parseMoney } from '../lib/money';
import { CustomerPicker } from '../partners/CustomerPicker';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, SearchField, Toolbar } from '../ui/PageHeader';
import { useEngineQuery } from '../ui/useEngineQuery';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { VirtualTable, type Column, type VirtualTableHandle } from '../ui/VirtualTable';
import { type PickedProduct, ProductPicker } from '../warehouse/ProductPicker';
import { CHANNEL_LABELS, money } from './format';

type Pricelist = OutputOf<'pricing.pricelist.list'>['rows'][number];
type Rule = OutputOf<'pricing.pricelist.get'>['rules'][number];
type Method = (typeof PRICE_METHODS)[number];
type Customer = Parameters<Parameters<typeof CustomerPicker>[0]['onChange']>[0];

const METHOD_LABEL: Record<Method, string> = { fixed: 'Fixed price', list_discount: 'List − x %', cost_plus: 'Cost + y %' };
const CLASS_LABEL: Record<(typeof CUSTOMER_CLASSES)[number], string> = { key_account: 'Key account', regular: 'Regular', consumer: 'Consumer' };
const pct = (bp: number | null) => (bp === null ? '' : (bp / 100).toFixed(2).replace(/\.?0+$/, ''));

/** An in-memory list as the virtual table's source (rules of one pricelist may be thousands). */
function useListSource<T>(rows: T[]) {
  const [selected, setSelected] = useState(0);
  return { total: rows.length, loading: false, error: null, rowAt: (i: number) => rows[i], ensureRange: () => {}, selected, setSelected };
}

function ruleWhat(r: Rule): string {
  if (r.method === 'fixed') return money(r.priceMinor);
  if (r.method === 'list_discount') return `list − ${pct(r.percentBp)} %`;
  return `cost + ${pct(r.percentBp)} %`;
}

interface RuleDraft {
  id: string | null;
  version: number;
  product: PickedProduct | null;
  productLabel: string | null;
  method: Method;
  price: string;
  percent: string;
  minQuantity: number;
  validFrom: string;
  validTo: string;
  label: string;
  active: boolean;
}

const emptyRule = (): RuleDraft => ({ id: null, version: 1, product: null, productLabel: null, method: 'list_discount', price: '', percent: '', minQuantity: 1, validFrom: '', validTo: '', label: '', active: true });

/**
 * Pricelists and their rules: filter lists by customer (the list assigned to them), class,
 * channel and currency; pick one (↑/↓, Enter) to see its rules in a virtualized grid (Enter
 * edits the selected rule, N adds one); a rule is a fixed price, list − x % or cost + y %,
 * from a quantity (quantity breaks), within validity dates.
 */
export function PricelistsPage() {
  const { can } = useSession();
  const mayEdit = can('pricing.write');
  const lists = useEngineQuery(() => client.call('pricing.pricelist.list', { includeInactive: true }), []);
  const [filter, setFilter] = useState<{ query: string; customerClass: string | null; channel: string | null; currency: string | null; customer: Customer | null }>({ query: '', customerClass: null, channel: null, currency: null, customer: null });
  const [openId, setOpenId] = useState<string | null>(null);
  const detail = useEngineQuery(async () => (openId ? client.call('pricing.pricelist.get', { id: openId }) : null), [openId]);
  useReloadOnCommit('pricing.', () => {
    void lists.reload();
    void detail.reload();
  });
  const [rule, setRule] = useState<RuleDraft | null>(null);
  const [newList, setNewList] = useState<{ code: string; name: string; currency: string; customerClass: string | null; channelCode: string | null; isDefault: boolean; validFrom: string; validTo: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rulesTable = useRef<VirtualTableHandle>(null);

  const customerListId = (filter.customer as { pricelistId?: string | null } | null)?.pricelistId ?? null;
  const shown = useMemo(() => {
    const q = filter.query.trim().toLowerCase();
    return (lists.data?.rows ?? []).filter(
      (p) =>
        (!q || p.code.toLowerCase().includes(q) || p.name.toLowerCase().includes(q)) &&
        (!filter.customerClass || p.customerClass === filter.customerClass) &&
        (!filter.channel || p.channelCode === filter.channel) &&
        (!filter.currency || p.currency === filter.currency) &&
        (!filter.customer || p.id === customerListId || p.isDefault || (p.customerClass !== null && p.customerClass === (filter.customer as { customerClass?: string }).customerClass)),
    );
  }, [lists.data, filter, customerListId]);
  const listSource = useListSource(shown);
  const rules = detail.data?.rules ?? [];
  const ruleSource = useListSource(rules);
  const currencies = [...new Set((lists.data?.rows ?? []).map((p) => p.currency))];

  function editRule(r: Rule) {
    setRule({
      id: r.id,
      version: r.version,
      product: null,
      productLabel: r.productSku,
      method: r.method,
      price: r.priceMinor === null ? '' : (r.priceMinor / 100).toFixed(2),
      percent: pct(r.percentBp),
      minQuantity: r.minQuantity,
      validFrom: r.validFrom ?? '',
      validTo: r.validTo ?? '',
      label: r.label ?? '',
      active: r.active,
    });
  }

  async function saveRule() {
    if (!rule || !openId) return;
    setError(null);
    try {
      let priceMinor: number | null = null;
      let percentBp: number | null = null;
      if (rule.method === 'fixed') {
        const p = parseMoney(rule.price);
        if (!p.ok) throw new Error(`Price: ${p.message}`);
        priceMinor = p.minor;
      } else {
        const p = parseMoney(rule.percent);
        if (!p.ok) throw new Error(`Percentage: ${p.message.replace('Enter an amount', 'Enter a percentage')}`);
        percentBp = p.minor;
      }
      const fields = { method: rule.method, priceMinor, percentBp, minQuantity: rule.minQuantity, validFrom: rule.validFrom || null, validTo: rule.validTo || null, label: rule.label.trim() || null };
      if (rule.id) await client.call('pricing.rule.update', { id: rule.id, version: rule.version, active: rule.active, ...fields, ...(rule.product ? { productId: rule.product.id } : {}) });
      else await client.call('pricing.rule.create', { pricelistId: openId, productId: rule.product?.id ?? null, ...fields });
      notifications.show({ color: 'green', message: 'Price rule saved' });
      setRule(null);
      await detail.reload();
      await lists.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }

  async function createList() {
    if (!newList) return;
    setError(null);
    try {
      const p = await client.call('pricing.pricelist.create', {
        code: newList.code,
        name: newList.name,
        currency: newList.currency,
        customerClass: newList.customerClass as (typeof CUSTOMER_CLASSES)[number] | null,
        channelCode: newList.channelCode as (typeof CHANNEL_CODES)[number] | null,
        isDefault: newList.isDefault,
        validFrom: newList.validFrom || null,
        validTo: newList.validTo || null,
      });
      setNewList(null);
      await lists.reload();
      setOpenId(p.id);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  const listColumns: Column<Pricelist>[] = [
    { id: 'code', label: 'Code', width: '110px', mono: true, render: (p) => p.code },
    { id: 'name', label: 'Name', width: 'minmax(160px, 2fr)', render: (p) => p.name },
    { id: 'scope', label: 'Applies to', width: 'minmax(160px, 2fr)', render: (p) => (p.isDefault ? 'Everyone (default)' : [p.customerClass && CLASS_LABEL[p.customerClass], p.channelCode && CHANNEL_LABELS[p.channelCode]].filter(Boolean).join(' · ') || 'Assigned customers') },
    { id: 'cur', label: 'Currency', width: '80px', render: (p) => p.currency },
    { id: 'valid', label: 'Valid', width: '170px', render: (p) => (p.validFrom || p.validTo ? `${p.validFrom ?? '…'} → ${p.validTo ?? '…'}` : 'always') },
    { id: 'rules', label: 'Rules', width: '70px', num: true, render: (p) => p.ruleCount },
    { id: 'active', label: '', width: '80px', render: (p) => (p.active ? null : <Badge size="xs" color="gray">inactive</Badge>) },
  ];
  const ruleColumns: Column<Rule>[] = [
    { id: 'product', label: 'Product', width: 'minmax(140px, 2fr)', mono: true, render: (r) => r.productSku ?? (r.categoryId ? 'Category' : 'All products') },
    { id: 'customer', label: 'Contract', width: '90px', render: (r) => (r.partnerId ? <Badge size="xs">contract</Badge> : '') },
    { id: 'from', label: 'From qty', width: '80px', num: true, render: (r) => r.minQuantity },
    { id: 'method', label: 'Rule', width: '120px', render: (r) => METHOD_LABEL[r.method] },
    { id: 'what', label: 'Price', width: '130px', num: true, render: (r) => ruleWhat(r) },
    { id: 'valid', label: 'Valid', width: '180px', render: (r) => (r.validFrom || r.validTo ? `${r.validFrom ?? '…'} → ${r.validTo ?? '…'}` : 'always') },
    { id: 'label', label: 'Label', width: 'minmax(120px, 1fr)', render: (r) => r.label ?? '' },
    { id: 'active', label: '', width: '70px', render: (r) => (r.active ? null : <Badge size="xs" color="gray">inactive</Badge>) },
  ];

  return (
    <div className="bl-page">
      <PageHeader
        title="Pricelists & rules"
        count={{ total: shown.length, one: 'pricelist', many: 'pricelists' }}
        actions={
          mayEdit && (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setNewList({ code: '', name: '', currency: 'USD', customerClass: null, channelCode: null, isDefault: false, validFrom: '', validTo: '' })}>
              New pricelist
            </Button>
          )
        }
      />
      <Toolbar>
        <SearchField label="Search pricelists" placeholder="Code or name" value={filter.query} onChange={(query) => setFilter({ ...filter, query })} w={200} />
        <CustomerPicker label="Customer" w={240} value={filter.customer} onChange={(customer) => setFilter({ ...filter, customer })} />
        <Select aria-label="Customer class" placeholder="Any class" clearable w={150} data={CUSTOMER_CLASSES.map((c) => ({ value: c, label: CLASS_LABEL[c] }))} value={filter.customerClass} onChange={(customerClass) => setFilter({ ...filter, customerClass })} />
        <Select aria-label="Channel" placeholder="Any channel" clearable w={170} data={CHANNEL_CODES.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} value={filter.channel} onChange={(channel) => setFilter({ ...filter, channel })} />
        <Select aria-label="Currency" placeholder="Any currency" clearable w={130} data={currencies} value={filter.currency} onChange={(currency) => setFilter({ ...filter, currency })} />
      </Toolbar>
      <ErrorAlert error={error ?? lists.error} />
      <div style={{ height: 260, display: 'flex', flexDirection: 'column' }}>
        <VirtualTable
          label="Pricelists"
          columns={listColumns}
          source={listSource}
          onOpen={(p) => {
            setOpenId(p.id);
            requestAnimationFrame(() => rulesTable.current?.focus());
          }}
          emptyText="No pricelist matches"
          testId="pricelist-table"
        />
      </div>
      {detail.data && (
        <Stack gap={4} px="md" pt="sm" style={{ flex: 1, minHeight: 0 }}>
          <Group justify="space-between">
            <Title order={4} data-testid="pricelist-title">
              {detail.data.code} — {detail.data.name} ({detail.data.currency})
            </Title>
            {mayEdit && (
              <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setRule(emptyRule())}>
                Add rule (N)
              </Button>
            )}
          </Group>
          <div
            style={{ height: 320, display: 'flex', flexDirection: 'column' }}
            onKeyDown={(e) => {
              if (e.key.toLowerCase() === 'n' && mayEdit && !rule) {
                e.preventDefault();
                setRule(emptyRule());
              }
            }}
          >
            <VirtualTable ref={rulesTable} label="Price rules" columns={ruleColumns} source={ruleSource} onOpen={(r) => mayEdit && editRule(r)} emptyText="No rules: the product's list price applies" testId="rule-table" />
          </div>
        </Stack>
      )}

      <Modal opened={!!rule} onClose={() => setRule(null)} title={rule?.id ? 'Edit price rule' : 'New price rule'} size="lg">
        {rule && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void saveRule();
            }}
          >
            <Stack gap="xs">
              <ErrorAlert error={error} />
              <ProductPicker label={rule.productLabel ? `Product (now ${rule.productLabel})` : 'Product (empty: all products)'} value={rule.product} onChange={(product) => setRule({ ...rule, product })} data-autofocus />
              <Select label="Rule" data={PRICE_METHODS.map((m) => ({ value: m, label: METHOD_LABEL[m] }))} value={rule.method} allowDeselect={false} onChange={(m) => setRule({ ...rule, method: (m as Method) ?? 'fixed' })} />
              {rule.method === 'fixed' ? (
                <TextInput label="Unit price" value={rule.price} onChange={(e) => setRule({ ...rule, price: e.currentTarget.value })} placeholder="12.50" />
              ) : (
                <TextInput label={rule.method === 'list_discount' ? 'Discount off list (%)' : 'Markup on cost (%)'} value={rule.percent} onChange={(e) => setRule({ ...rule, percent: e.currentTarget.value })} placeholder="15" />
              )}
              <NumberInput label="From quantity (quantity break)" min={1} allowDecimal={false} value={rule.minQuantity} onChange={(v) => setRule({ ...rule, minQuantity: Number(v) || 1 })} />
              <Group grow>
                <TextInput label="Valid from" type="date" value={rule.validFrom} onChange={(e) => setRule({ ...rule, validFrom: e.currentTarget.value })} />
                <TextInput label="Valid to" type="date" value={rule.validTo} onChange={(e) => setRule({ ...rule, validTo: e.currentTarget.value })} />
              </Group>
              <TextInput label="Label" value={rule.label} onChange={(e) => setRule({ ...rule, label: e.currentTarget.value })} />
              {rule.id && <Checkbox label="Active" checked={rule.active} onChange={(e) => setRule({ ...rule, active: e.currentTarget.checked })} />}
              <Group justify="flex-end">
                <Button variant="subtle" onClick={() => setRule(null)}>
                  Cancel
                </Button>
                <Button type="submit">Save rule</Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>

      <Modal opened={!!newList} onClose={() => setNewList(null)} title="New pricelist">
        {newList && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void createList();
            }}
          >
            <Stack gap="xs">
              <ErrorAlert error={error} />
              <TextInput label="Code" value={newList.code} onChange={(e) => setNewList({ ...newList, code: e.currentTarget.value })} data-autofocus />
              <TextInput label="Name" value={newList.name} onChange={(e) => setNewList({ ...newList, name: e.currentTarget.value })} />
              <TextInput label="Currency" value={newList.currency} onChange={(e) => setNewList({ ...newList, currency: e.currentTarget.value })} />
              <Select label="Customer class" placeholder="Any" clearable data={CUSTOMER_CLASSES.map((c) => ({ value: c, label: CLASS_LABEL[c] }))} value={newList.customerClass} onChange={(customerClass) => setNewList({ ...newList, customerClass })} />
              <Select label="Channel" placeholder="Any" clearable data={CHANNEL_CODES.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} value={newList.channelCode} onChange={(channelCode) => setNewList({ ...newList, channelCode })} />
              <Checkbox label="Company default (everyone)" checked={newList.isDefault} onChange={(e) => setNewList({ ...newList, isDefault: e.currentTarget.checked })} />
              <Group grow>
                <TextInput label="Valid from" type="date" value={newList.validFrom} onChange={(e) => setNewList({ ...newList, validFrom: e.currentTarget.value })} />
                <TextInput label="Valid to" type="date" value={newList.validTo} onChange={(e) => setNewList({ ...newList, validTo: e.currentTarget.value })} />
              </Group>
              <Text size="xs" c="dimmed">
                A list without class, channel or default applies to the customers it is assigned to.
              </Text>
              <Group justify="flex-end">
                <Button type="submit">Create</Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </div>
  );
}

import { Badge, Select } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import { CUSTOMER_CLASSES, type CustomerSummary } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { client } from '../rpc';
import { money } from '../sales/format';
import { GridFooter, type Hint, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { ListSearchField, NewButton, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { CustomerFormModal } from './CustomerFormModal';

type Sort = 'code' | 'name' | 'region' | 'customerClass' | 'creditLimitMinor' | 'updatedAt';
type CustomerClass = (typeof CUSTOMER_CLASSES)[number];

export const CLASS_LABELS: Record<CustomerClass, string> = { key_account: 'Key account', regular: 'Regular', consumer: 'Consumer' };

const COLUMNS: Column<CustomerSummary, Sort>[] = [
  { id: 'code', label: 'Code', width: '120px', sort: 'code', mono: true, render: (r) => r.code },
  { id: 'name', label: 'Name', width: 'minmax(200px, 2fr)', sort: 'name', render: (r) => r.name },
  {
    id: 'class',
    label: 'Class',
    width: '120px',
    sort: 'customerClass',
    render: (r) => (
      <Badge variant="light" color={r.customerClass === 'key_account' ? 'violet' : r.customerClass === 'consumer' ? 'gray' : 'blue'} fw={500}>
        {CLASS_LABELS[r.customerClass]}
      </Badge>
    ),
  },
  { id: 'region', label: 'Region', width: '110px', sort: 'region', render: (r) => r.region ?? '' },
  { id: 'terms', label: 'Terms', width: '70px', num: true, render: (r) => `${r.paymentTermsDays} d` },
  { id: 'limit', label: 'Credit limit', width: '120px', sort: 'creditLimitMinor', num: true, render: (r) => (r.creditLimitMinor === null ? 'none' : money(r.creditLimitMinor)) },
  { id: 'policy', label: 'Invoiced', width: '100px', render: (r) => (r.invoicePolicy === 'on_order' ? 'on order' : 'on delivery') },
  { id: 'email', label: 'E-mail', width: 'minmax(140px, 1fr)', render: (r) => r.email ?? '' },
  { id: 'taxId', label: 'Tax id', width: '120px', mono: true, render: (r) => r.taxId ?? '' },
];
const SORT_LABELS: Record<Sort, string> = { code: 'code', name: 'name', region: 'region', customerClass: 'class', creditLimitMinor: 'credit limit', updatedAt: 'last change' };

/** Customers: engine-searched, sorted and paged; N adds one, Enter edits the selected one. */
export function CustomersPage() {
  const { can } = useSession();
  const writable = can('partners.write');
  const search = useListSearch();
  const { query } = search;
  const [customerClass, setCustomerClass] = useState<CustomerClass | null>(null);
  const [status, setStatus] = useState<'active' | 'archived' | 'all'>('active');
  const sorting = useSort<Sort>('name');
  const { sort, dir } = sorting;
  const [editing, setEditing] = useState<CustomerSummary | 'new' | null>(null);

  const key = JSON.stringify({ query, customerClass, status, sort, dir });
  const fetchPage = useCallback(
    (offset: number, limit: number) => client.call('partners.customer.list', { query, status, sort, dir, offset, limit, ...(customerClass ? { customerClass } : {}) }),
    [query, status, sort, dir, customerClass],
  );
  const list = usePagedWindow<CustomerSummary>(key, fetchPage, 100);
  useReloadOnCommit('partners.', list.reload);
  useHotkeys(editing ? [] : [['/', search.focusSearch], ['n', () => writable && setEditing('new')]]);

  return (
    <div className="bl-page">
      <PageHeader
        title="Customers"
        count={{ total: list.total, one: 'customer', many: 'customers', testId: 'customer-count' }}
        actions={writable && <NewButton label="New customer" onClick={() => setEditing('new')} />}
      />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search customers" placeholder="Code, name, e-mail, tax id, GLN" />
        <Select label="Class" placeholder="All classes" clearable w={160} data={CUSTOMER_CLASSES.map((c) => ({ value: c, label: CLASS_LABELS[c] }))} value={customerClass} onChange={(v) => setCustomerClass(v as CustomerClass | null)} />
        <Select label="Status" w={130} data={[{ value: 'active', label: 'Active' }, { value: 'archived', label: 'Archived' }, { value: 'all', label: 'All' }]} value={status} onChange={(v) => setStatus((v as typeof status) ?? 'active')} allowDeselect={false} />
      </Toolbar>
      <VirtualTable<CustomerSummary, Sort>
        ref={search.gridRef}
        label="Customers"
        columns={COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={(r) => setEditing(r)}
        emptyText={query ? `No customer matches “${query}”` : 'No customers yet'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} hints={[MOVE_HINT, [['Enter'], 'edit'], SEARCH_HINT, ...(writable ? [[['N'], 'new'] as Hint] : [])]} />
      {editing && (
        <CustomerFormModal
          customerId={editing === 'new' ? null : editing.id}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void list.reload();
          }}
        />
      )}
    </div>
  );
}

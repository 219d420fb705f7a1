import { Badge } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { client } from '../rpc';
import { GridFooter, type Hint, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { ListSearchField, NewButton, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { VendorFormModal } from './VendorFormModal';

type Sort = 'code' | 'name' | 'leadTimeDays';
export type VendorSummary = OutputOf<'purchasing.vendor.list'>['rows'][number];

const COLUMNS: Column<VendorSummary, Sort>[] = [
  { id: 'code', label: 'Code', width: '110px', sort: 'code', mono: true, render: (r) => r.code },
  { id: 'name', label: 'Name', width: 'minmax(220px, 2fr)', sort: 'name', render: (r) => r.name },
  { id: 'lead', label: 'Lead time', width: '100px', sort: 'leadTimeDays', num: true, render: (r) => `${r.leadTimeDays} d` },
  { id: 'currency', label: 'Currency', width: '90px', mono: true, render: (r) => r.currency },
  { id: 'moq', label: 'MOQ / multiple', width: '130px', num: true, render: (r) => `${r.minOrderQty.toLocaleString('en-US')} / ${r.orderMultiple.toLocaleString('en-US')}` },
  { id: 'terms', label: 'Terms', width: '70px', num: true, render: (r) => `${r.paymentTermsDays} d` },
  {
    id: 'edi',
    label: 'EDI',
    width: '70px',
    render: (r) =>
      r.ediEnabled ? (
        <Badge variant="light" color="violet" fw={500}>
          on
        </Badge>
      ) : (
        'off'
      ),
  },
  {
    id: 'active',
    label: 'Status',
    width: '90px',
    render: (r) =>
      r.active ? (
        'active'
      ) : (
        <Badge variant="light" color="gray" fw={500}>
          inactive
        </Badge>
      ),
  },
  { id: 'email', label: 'E-mail', width: 'minmax(160px, 1fr)', render: (r) => r.email ?? '' },
];
const SORT_LABELS: Record<Sort, string> = { code: 'code', name: 'name', leadTimeDays: 'lead time' };

/** Vendors: engine-searched, sorted and paged; N adds one, Enter opens the selected one (terms, contacts, performance, prices). */
export function VendorsPage() {
  const { can } = useSession();
  const writable = can('purchasing.write');
  const search = useListSearch();
  const { query } = search;
  const sorting = useSort<Sort>('name');
  const { sort, dir } = sorting;
  const [editing, setEditing] = useState<VendorSummary | 'new' | null>(null);

  const key = JSON.stringify({ query, sort, dir });
  const fetchPage = useCallback((offset: number, limit: number) => client.call('purchasing.vendor.list', { query, sort, dir, offset, limit }), [query, sort, dir]);
  const list = usePagedWindow<VendorSummary>(key, fetchPage, 100);
  useReloadOnCommit('purchasing.vendor.', list.reload);
  useHotkeys(editing ? [] : [['/', search.focusSearch], ['n', () => writable && setEditing('new')]]);

  return (
    <div className="bl-page">
      <PageHeader
        title="Vendors"
        count={{ total: list.total, one: 'vendor', many: 'vendors', testId: 'vendor-count' }}
        actions={writable && <NewButton label="New vendor" onClick={() => setEditing('new')} />}
      />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search vendors" placeholder="Code, name, e-mail, EDI id" />
      </Toolbar>
      <VirtualTable<VendorSummary, Sort>
        ref={search.gridRef}
        label="Vendors"
        columns={COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={(r) => setEditing(r)}
        emptyText={query ? `No vendor matches “${query}”` : 'No vendors yet'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} hints={[MOVE_HINT, [['Enter'], writable ? 'edit' : 'open'], SEARCH_HINT, ...(writable ? [[['N'], 'new'] as Hint] : [])]} />
      {editing && (
        <VendorFormModal
          vendorId={editing === 'new' ? null : editing.id}
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

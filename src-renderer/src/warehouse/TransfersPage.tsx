import { Select } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import { OPERATION_KINDS, type OutputOf, TRANSFER_STATES } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client } from '../rpc';
import { GridFooter, type Hint, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { stateColumn } from '../ui/stateColumn';
import { ListSearchField, NewButton, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { KIND_LABELS, type OperationKind, STATE_COLORS, STATE_LABELS, type TransferState, dateOnly, dateTime, qty, stepLabel } from './format';
import { TransferDetail } from './TransferDetail';
import { TransferFormModal } from './TransferFormModal';
import { useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Row = OutputOf<'inventory.transfer.list'>['rows'][number];
type Sort = 'scheduledDate' | 'number' | 'state' | 'priority' | 'carrierCutoff';

const COLUMNS: Column<Row, Sort>[] = [
  { id: 'number', label: 'Number', width: '206px', sort: 'number', mono: true, render: (r) => r.number },
  { id: 'kind', label: 'Type', width: '84px', render: (r) => stepLabel(r) },
  stateColumn('92px', STATE_COLORS, STATE_LABELS),
  { id: 'wh', label: 'WH', width: '44px', render: (r) => r.warehouseCode },
  { id: 'from', label: 'From', width: 'minmax(90px, 1fr)', mono: true, render: (r) => r.fromPath },
  { id: 'to', label: 'To', width: 'minmax(90px, 1fr)', mono: true, render: (r) => r.toPath },
  { id: 'origin', label: 'Partner / origin', width: 'minmax(100px, 1.3fr)', render: (r) => r.partnerName ?? r.origin ?? '' },
  { id: 'carrier', label: 'Carrier', width: '72px', render: (r) => r.carrier ?? '' },
  { id: 'cutoff', label: 'Cut-off', width: '132px', sort: 'carrierCutoff', render: (r) => (r.carrierCutoff ? dateTime(r.carrierCutoff) : '') },
  { id: 'prio', label: 'Prio', width: '52px', sort: 'priority', num: true, render: (r) => r.priorityRank },
  { id: 'scheduled', label: 'Scheduled', width: '104px', sort: 'scheduledDate', render: (r) => dateOnly(r.scheduledDate) },
  { id: 'lines', label: 'Lines', width: '52px', num: true, render: (r) => r.lineCount },
  { id: 'units', label: 'Units', width: '64px', num: true, render: (r) => qty(r.totalQuantity) },
];

const SORT_LABELS: Record<Sort, string> = { scheduledDate: 'scheduled date', number: 'number', state: 'state', priority: 'priority', carrierCutoff: 'carrier cut-off' };

/** Routes: `<base>` is the list, `<base>/<id>` one transfer. */
export function TransfersRoute({ route, base, preset }: { route: string; base: string; preset?: OperationKind }) {
  const id = route.slice(base.length + 1);
  return id ? <TransferDetail id={id} backTo={base} /> : <TransfersPage preset={preset} base={base} />;
}

export function TransfersPage({ preset, base }: { preset?: OperationKind; base: string }) {
  const { can } = useSession();
  const operate = can('inventory.operate');
  const { warehouses, locations } = useWarehouseRefs();
  const search = useListSearch();
  const { query } = search;
  const [warehouseId, setWarehouseId] = useState<string | null>(null);
  const [kind, setKind] = useState<OperationKind | null>(preset ?? null);
  const [state, setState] = useState<TransferState | null>(null);
  const sorting = useSort<Sort>('scheduledDate', 'desc');
  const { sort, dir } = sorting;
  const [creating, setCreating] = useState(false);

  const key = JSON.stringify({ query, warehouseId, kind, state, sort, dir });
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      client.call('inventory.transfer.list', { query, sort, dir, offset, limit, ...(warehouseId ? { warehouseId } : {}), ...(kind ? { kind } : {}), ...(state ? { state } : {}) }),
    [query, sort, dir, warehouseId, kind, state],
  );
  const list = usePagedWindow<Row>(key, fetchPage, 100);
  useReloadOnCommit('inventory.', list.reload);

  const open = useCallback((r: Row) => navigate(`${base}/${r.id}`), [base]);
  useHotkeys(creating ? [] : [['/', search.focusSearch], ['n', () => operate && setCreating(true)]]);

  const title = preset === 'receipt' ? 'Receipts' : 'Transfers';
  const newKind = preset === 'receipt' ? 'receipt' : 'delivery';
  return (
    <div className="bl-page">
      <PageHeader
        title={title}
        count={{ total: list.total, one: 'transfer', many: 'transfers', testId: 'transfer-count' }}
        actions={operate && <NewButton label={preset === 'receipt' ? 'New receipt' : 'New transfer'} onClick={() => setCreating(true)} />}
      />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search transfers" placeholder="Number or origin" w={260} />
        <Select label="Warehouse" placeholder="All warehouses" clearable allowDeselect w={200} data={warehouses.map((w) => ({ value: w.id, label: `${w.code} — ${w.name}` }))} value={warehouseId} onChange={setWarehouseId} />
        {!preset && <Select label="Type" placeholder="All types" clearable allowDeselect w={190} data={OPERATION_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))} value={kind} onChange={(v) => setKind(v as OperationKind | null)} />}
        <Select label="State" placeholder="All states" clearable allowDeselect w={140} data={TRANSFER_STATES.map((s) => ({ value: s, label: STATE_LABELS[s] }))} value={state} onChange={(v) => setState(v as TransferState | null)} />
      </Toolbar>
      <VirtualTable<Row, Sort>
        ref={search.gridRef}
        label={title}
        columns={COLUMNS}
        source={list}
        sorting={sorting}
        onOpen={open}
        rowClass={(r) => (r.state === 'done' || r.state === 'cancelled' ? 'wh-row-muted' : undefined)}
        emptyText={query ? `No transfer matches “${query}”` : 'No transfers here'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} hints={[MOVE_HINT, [['Enter'], 'open'], SEARCH_HINT, ...(operate ? [[['N'], 'new'] as Hint] : [])]} />
      {creating && (
        <TransferFormModal
          kind={newKind}
          warehouses={warehouses}
          locations={locations}
          defaultWarehouseId={warehouseId}
          onClose={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            navigate(`${base}/${t.id}`);
          }}
        />
      )}
    </div>
  );
}

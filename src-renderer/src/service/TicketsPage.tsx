import { Button, FileButton, Group, Modal, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconMail } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { type CustomerSummary, type OutputOf, TICKET_PRIORITIES, TICKET_TYPES } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { CustomerPicker } from '../partners/CustomerPicker';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { GridFooter, type Hint, MOVE_HINT, SEARCH_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { stateColumn } from '../ui/stateColumn';
import { ListSearchField, NewButton, useListSearch } from '../ui/useListSearch';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { useSort } from '../ui/useSort';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { dateOnly } from '../warehouse/format';
import { CATEGORY_LABELS, PRIORITY_LABELS, STATE_COLORS, STATE_LABELS, type TicketType, TYPE_LABELS } from './format';
import { SlaBadge } from './SlaBadge';
import { TicketDetail } from './TicketDetail';
import './service.css';

type Row = OutputOf<'service.ticket.list'>['rows'][number];
type Sort = 'due' | 'created' | 'number' | 'priority' | 'customer' | 'state';
type StateFilter = 'active' | 'open' | 'waiting_customer' | 'resolved' | 'closed';

/** Routes: `service` the queue, `service/<id>` one ticket. */
export function ServiceRoute({ route }: { route: string }) {
  const rest = route.slice('service'.length + 1);
  return rest ? <TicketDetail id={rest} /> : <TicketsPage />;
}

function columns(fetchedAt: number): Column<Row, Sort>[] {
  return [
    { id: 'number', label: 'Ticket', width: '170px', sort: 'number', mono: true, render: (r) => r.number },
    { id: 'sla', label: 'SLA', width: '170px', sort: 'due', render: (r) => <SlaBadge status={r.slaStatus} remainingMs={r.slaRemainingMs} fetchedAt={fetchedAt} /> },
    stateColumn('150px', STATE_COLORS, STATE_LABELS),
    { id: 'type', label: 'Type', width: '140px', render: (r) => TYPE_LABELS[r.type] },
    { id: 'priority', label: 'Priority', width: '80px', sort: 'priority', render: (r) => PRIORITY_LABELS[r.priority] },
    { id: 'subject', label: 'Subject', width: 'minmax(200px, 2fr)', render: (r) => r.subject },
    { id: 'customer', label: 'Customer', width: 'minmax(160px, 1fr)', sort: 'customer', render: (r) => r.customerName },
    { id: 'category', label: 'Reason', width: '150px', render: (r) => (r.category ? CATEGORY_LABELS[r.category] : '') },
    { id: 'assignee', label: 'Assignee', width: '100px', render: (r) => r.assignee ?? '' },
    { id: 'created', label: 'Opened', width: '96px', sort: 'created', render: (r) => dateOnly(r.createdAt) },
  ];
}
const SORT_LABELS: Record<Sort, string> = { due: 'due time', created: 'opened', number: 'number', priority: 'priority', customer: 'customer', state: 'state' };

export function TicketsPage() {
  const { can, session } = useSession();
  const writable = can('service.write');
  const search = useListSearch();
  const { query } = search;
  const [state, setState] = useState<StateFilter>('active');
  const [type, setType] = useState<TicketType | null>(null);
  const [sla, setSla] = useState<'breached' | 'at_risk' | null>(null);
  const [mine, setMine] = useState(false);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sorting = useSort<Sort>('due', 'asc', (s) => (s === 'created' || s === 'number' ? 'desc' : 'asc'));
  const { sort, dir } = sorting;
  const [fetchedAt, setFetchedAt] = useState(() => Date.now());

  const key = JSON.stringify({ query, state, type, sla, mine, sort, dir });
  const fetchPage = useCallback(
    async (offset: number, limit: number) => {
      const page = await client.call('service.ticket.list', {
        query,
        state,
        sort,
        dir,
        offset,
        limit,
        ...(type ? { type } : {}),
        ...(sla ? { sla } : {}),
        ...(mine && session?.user.username ? { assignee: session.user.username } : {}),
      });
      setFetchedAt(Date.now());
      return page;
    },
    [query, state, type, sla, mine, sort, dir, session],
  );
  const list = usePagedWindow<Row>(key, fetchPage, 100);
  useReloadOnCommit('service.', list.reload);
  // Deadlines move on by themselves: refresh the queue every minute.
  useEffect(() => {
    const t = setInterval(() => void list.reload(), 60_000);
    return () => clearInterval(t);
  }, [list.reload]);
  useHotkeys([
    ['/', search.focusSearch],
    ['n', () => writable && setCreating(true)],
  ]);

  async function receiveEmail(file: File) {
    setError(null);
    try {
      const t = await client.call('service.ticket.fromEmail', { eml: await file.text() });
      navigate(`service/${t.id}`);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <div className="bl-page">
      <PageHeader
        title="Service tickets"
        count={{ total: list.total, one: 'ticket', many: 'tickets', testId: 'ticket-count' }}
        actions={
          writable && (
            <Group gap="xs">
              <FileButton accept=".eml,message/rfc822" onChange={(f) => f && void receiveEmail(f)}>
                {(props) => (
                  <Button variant="default" leftSection={<IconMail size={14} />} {...props}>
                    Receive e-mail (.eml)
                  </Button>
                )}
              </FileButton>
              <NewButton label="New ticket" onClick={() => setCreating(true)} />
            </Group>
          )
        }
      />
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Toolbar>
        <ListSearchField search={search} list={list} label="Search tickets" placeholder="Number, subject, customer" w={240} />
        <Select
          label="State"
          w={190}
          allowDeselect={false}
          data={[{ value: 'active', label: 'Active (open + waiting)' }, ...(['open', 'waiting_customer', 'resolved', 'closed'] as const).map((s) => ({ value: s, label: STATE_LABELS[s] }))]}
          value={state}
          onChange={(v) => setState((v as StateFilter) ?? 'active')}
        />
        <Select label="Type" placeholder="All types" clearable w={180} data={TICKET_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} value={type} onChange={(v) => setType(v as TicketType | null)} />
        <Select
          label="SLA"
          placeholder="Any"
          clearable
          w={150}
          data={[
            { value: 'at_risk', label: 'At risk' },
            { value: 'breached', label: 'Breached' },
          ]}
          value={sla}
          onChange={(v) => setSla(v as 'breached' | 'at_risk' | null)}
        />
        <Select
          label="Assignee"
          w={140}
          allowDeselect={false}
          data={[
            { value: 'all', label: 'Everyone' },
            { value: 'mine', label: 'Mine' },
          ]}
          value={mine ? 'mine' : 'all'}
          onChange={(v) => setMine(v === 'mine')}
        />
      </Toolbar>
      <VirtualTable<Row, Sort>
        ref={search.gridRef}
        label="Service tickets"
        columns={columns(fetchedAt)}
        source={list}
        sorting={sorting}
        onOpen={(r) => navigate(`service/${r.id}`)}
        rowClass={(r) => (r.slaStatus === 'breached' ? 'svc-row-breached' : r.slaStatus === 'warning' ? 'svc-row-warning' : undefined)}
        emptyText={query ? `No ticket matches “${query}”` : 'No tickets here'}
      />
      <GridFooter position={list} sorted={{ label: SORT_LABELS[sort], dir }} hints={[MOVE_HINT, [['Enter'], 'open'], SEARCH_HINT, ...(writable ? [[['N'], 'new ticket'] as Hint] : [])]} />
      {creating && <NewTicketModal onClose={() => setCreating(false)} />}
    </div>
  );
}

type OrderRow = OutputOf<'sales.order.list'>['rows'][number];

/** A ticket by hand: type, customer, optionally one of the customer's orders, subject and text. */
function NewTicketModal({ onClose }: { onClose(): void }) {
  const [type, setType] = useState<TicketType>('damaged_goods');
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [orders, setOrders] = useState<OrderRow[]>([]);
  const [orderId, setOrderId] = useState<string | null>(null);
  const [priority, setPriority] = useState<(typeof TICKET_PRIORITIES)[number]>('normal');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setOrderId(null);
    if (!customer) return setOrders([]);
    void client.call('sales.order.list', { customerId: customer.id, sort: 'orderDate', dir: 'desc', limit: 50 }).then((r) => setOrders(r.rows), () => setOrders([]));
  }, [customer]);

  async function save() {
    if (!customer) return setError('Choose the customer');
    setBusy(true);
    setError(null);
    try {
      const t = await client.call('service.ticket.create', { type, customerId: customer.id, orderId, priority, subject, description });
      onClose();
      navigate(`service/${t.id}`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title="New ticket" size="lg">
      <Stack gap="sm">
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <Select label="Type" allowDeselect={false} data={TICKET_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} value={type} onChange={(v) => v && setType(v as TicketType)} />
        <CustomerPicker label="Customer" value={customer} onChange={setCustomer} data-autofocus />
        <Select label="Order" placeholder={customer ? 'None' : 'Choose the customer first'} clearable data={orders.map((o) => ({ value: o.id, label: `${o.number} · ${dateOnly(o.orderDate)}` }))} value={orderId} onChange={setOrderId} />
        <Select label="Priority" allowDeselect={false} data={TICKET_PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))} value={priority} onChange={(v) => v && setPriority(v as typeof priority)} />
        <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} />
        <Textarea label="What the customer says" autosize minRows={3} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <Button onClick={() => void save()} loading={busy}>
          Open ticket
        </Button>
      </Stack>
    </Modal>
  );
}

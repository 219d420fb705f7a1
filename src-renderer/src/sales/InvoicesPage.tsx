import { Select } from '@mantine/core';
import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { GridFooter, MOVE_HINT } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { useReloadOnCommit } from '../ui/useEngineEvents';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { downloadBase64 } from '../warehouse/download';
import { dateOnly } from '../warehouse/format';
import { money } from './format';

type Row = OutputOf<'sales.invoice.list'>['rows'][number];
type InvoiceState = 'open' | 'paid' | 'cancelled';

const COLUMNS: Column<Row>[] = [
  { id: 'number', label: 'Invoice', width: '190px', mono: true, render: (r) => r.number },
  { id: 'customer', label: 'Customer', width: 'minmax(180px, 2fr)', render: (r) => r.customerName },
  { id: 'order', label: 'Order', width: '180px', mono: true, render: (r) => r.orderNumber ?? '' },
  { id: 'date', label: 'Date', width: '100px', render: (r) => dateOnly(r.invoiceDate) },
  { id: 'due', label: 'Due', width: '100px', render: (r) => dateOnly(r.dueDate) },
  { id: 'lines', label: 'Lines', width: '56px', num: true, render: (r) => r.lineCount },
  { id: 'total', label: 'Total', width: '110px', num: true, render: (r) => money(r.totalMinor) },
  { id: 'open', label: 'Open', width: '110px', num: true, render: (r) => money(r.openMinor) },
  { id: 'state', label: 'State', width: '80px', render: (r) => r.state },
];

/** Invoices, newest first, paged by the engine; Enter (or a double click) downloads the selected invoice as a PDF. */
export function InvoicesPage() {
  const [state, setState] = useState<InvoiceState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fetchPage = useCallback((offset: number, limit: number) => client.call('sales.invoice.list', { offset, limit, ...(state ? { state } : {}) }), [state]);
  const list = usePagedWindow<Row>(JSON.stringify({ state }), fetchPage, 100);
  useReloadOnCommit('sales.', list.reload);
  return (
    <div className="bl-page">
      <PageHeader title="Invoices" count={{ total: list.total, one: 'invoice', many: 'invoices', testId: 'invoice-count' }} />
      <Toolbar>
        <Select label="State" placeholder="All" clearable w={150} data={['open', 'paid', 'cancelled']} value={state} onChange={(v) => setState(v as InvoiceState | null)} />
      </Toolbar>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <VirtualTable<Row>
        label="Invoices"
        columns={COLUMNS}
        source={list}
        onOpen={(r) =>
          void client
            .call('documents.invoice', { invoiceId: r.id })
            .then(downloadBase64)
            .catch((e) => setError(messageOf(e)))
        }
        emptyText="No invoices yet"
      />
      <GridFooter position={list} note="Newest first" hints={[MOVE_HINT, [['Enter'], 'download PDF']]} />
    </div>
  );
}

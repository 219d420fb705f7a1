import { Badge, Button, Drawer, Group, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import { ACCOUNT_TYPES, type Account, type AgingRow } from '../../../src-shared/contract/finance';
import { navigate } from '../app/router';
import { formatMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { InlineSaveCancel } from '../ui/FormActions';
import { Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';
import { usePagedWindow } from '../ui/usePagedWindow';
import { type Column, VirtualTable } from '../ui/VirtualTable';
import { downloadBase64 } from '../warehouse/download';

/**
 * The books, for finance: chart of accounts (add, rename, re-type while unposted, archive),
 * manual journal entries (balanced lines with dimensions; the engine refuses an unbalanced one
 * and its message is shown), the general ledger (engine-paged, virtualized; Enter or a double
 * click opens the line's source document), aged receivables and payables, the tax report.
 * Every figure and every rule is the engine's.
 */

const money = (minor: number) => formatMoney(minor);
const today = () => new Date().toISOString().slice(0, 10);
type AccountRow = z.infer<typeof Account> & { balanceMinor: number };
type ReportName = 'receivablesAging' | 'payablesAging' | 'tax' | 'generalLedger';

async function exportReport(report: ReportName, format: 'csv' | 'xlsx' | 'pdf' | 'hledger', scope: { from?: string; to: string }, onError: (m: string) => void) {
  try {
    const f = await client.call('finance.report.export', { report, format, ...scope });
    downloadBase64({ filename: f.fileName, contentType: f.mime, base64: f.base64 });
  } catch (e) {
    onError(messageOf(e));
  }
}

/** Runs an engine command, then refreshes what the tab shows; a refusal is shown as the engine words it. */
async function runThen(call: () => Promise<unknown>, reload: () => Promise<void>, onError: (m: string) => void) {
  try {
    await call();
    await reload();
  } catch (e) {
    onError(messageOf(e));
  }
}

function ExportButtons({ report, scope, onError }: { report: ReportName; scope: { from?: string; to: string }; onError: (m: string) => void }) {
  return (
    <Group gap={4} align="end">
      {(['csv', 'xlsx', 'pdf'] as const).map((f) => (
        <Button key={f} variant="default" onClick={() => exportReport(report, f, scope, onError)}>
          {f.toUpperCase()}
        </Button>
      ))}
    </Group>
  );
}

// --- chart of accounts -----------------------------------------------------------------------

export function AccountsTab() {
  const [archived, setArchived] = useState(false);
  const q = useEngineQuery(() => client.call('finance.account.list', { includeArchived: archived }), [archived]);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<AccountRow | 'new' | null>(null);
  const [form, setForm] = useState({ code: '', name: '', type: 'expense' as (typeof ACCOUNT_TYPES)[number] });
  const open = (a: AccountRow | 'new') => {
    setEditing(a);
    setForm(a === 'new' ? { code: '', name: '', type: 'expense' } : { code: a.code, name: a.name, type: a.type });
  };
  const save = async () => {
    try {
      if (editing === 'new') await client.call('finance.account.create', { code: form.code, name: form.name, type: form.type });
      else if (editing) await client.call('finance.account.update', { id: editing.id, name: form.name, ...(form.type !== editing.type ? { type: form.type } : {}) });
      setEditing(null);
      setMessage(null);
      await q.reload();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  const setActive = (a: AccountRow, active: boolean) => runThen(() => client.call('finance.account.update', { id: a.id, active }), q.reload, setMessage);
  return (
    <Stack gap="sm">
      <Toolbar>
        <Button onClick={() => open('new')} data-testid="account-new">
          Add account
        </Button>
        <Switch label="Show archived" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} />
      </Toolbar>
      <ErrorAlert error={q.error ?? message} onClose={() => setMessage(null)} title="Chart of accounts" />
      {editing && (
        <Group align="end" data-testid="account-form" onKeyDown={(e) => (e.key === 'Enter' ? void save() : e.key === 'Escape' ? setEditing(null) : undefined)}>
          <TextInput label="Code" value={form.code} disabled={editing !== 'new'} onChange={(e) => setForm({ ...form, code: e.currentTarget.value })} w={100} data-autofocus autoFocus={editing === 'new'} />
          <TextInput label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} w={280} autoFocus={editing !== 'new'} />
          <Select label="Type" data={ACCOUNT_TYPES.map((t) => ({ value: t, label: t }))} value={form.type} onChange={(v) => v && setForm({ ...form, type: v as (typeof ACCOUNT_TYPES)[number] })} w={140} allowDeselect={false} />
          <InlineSaveCancel onSave={save} onCancel={() => setEditing(null)} saveTestId="account-save" />
        </Group>
      )}
      <SimpleTable<AccountRow>
        label="Chart of accounts"
        rows={q.data ?? []}
        rowKey={(r) => r.id}
        rowTestId={(r) => `account-${r.code}`}
        onRowClick={(r) => open(r)}
        columns={[
          { id: 'code', label: 'Code', mono: true, width: 80, render: (r) => r.code },
          { id: 'name', label: 'Name', render: (r) => r.name },
          { id: 'type', label: 'Type', width: 90, render: (r) => r.type },
          { id: 'role', label: 'Role', width: 140, render: (r) => r.role ?? '' },
          { id: 'balance', label: 'Balance', num: true, render: (r) => money(r.balanceMinor) },
          {
            id: 'active',
            label: '',
            width: 110,
            render: (r) => (
              <Button
                size="compact-xs"
                variant="subtle"
                onClick={(e) => {
                  e.stopPropagation();
                  void setActive(r, !r.active);
                }}
              >
                {r.active ? 'Archive' : 'Restore'}
              </Button>
            ),
          },
        ]}
      />
      <Text size="xs" c="dimmed">
        Click an account to rename it; its type can change only while nothing is posted to it. An account with a balance cannot be archived.
      </Text>
    </Stack>
  );
}

// --- manual journal entry --------------------------------------------------------------------

interface DraftLine {
  accountId: string | null;
  debit: number | string;
  credit: number | string;
  label: string;
  channelCode: string;
  customerClass: string;
}
const emptyLine = (): DraftLine => ({ accountId: null, debit: '', credit: '', label: '', channelCode: '', customerClass: '' });
const cents = (v: number | string) => Math.round(Number(v || 0) * 100);

export function ManualEntryForm({ onPosted }: { onPosted?(): void }) {
  const accounts = useEngineQuery(() => client.call('finance.account.list', {}), [], []);
  const journals = useEngineQuery(() => client.call('finance.journal.list', {}), [], []);
  const [journalId, setJournalId] = useState<string | null>(null);
  const [date, setDate] = useState(today());
  const [memo, setMemo] = useState('');
  const [lines, setLines] = useState<DraftLine[]>([emptyLine(), emptyLine()]);
  const [message, setMessage] = useState<string | null>(null);
  const misc = journals.data.find((j) => j.kind === 'misc')?.id ?? null;
  const debit = lines.reduce((s, l) => s + cents(l.debit), 0);
  const credit = lines.reduce((s, l) => s + cents(l.credit), 0);
  const setLine = (i: number, patch: Partial<DraftLine>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const post = async () => {
    try {
      const e = await client.call('finance.entry.post', {
        journalId: journalId ?? misc ?? '',
        date,
        memo,
        lines: lines
          .filter((l) => l.accountId)
          .map((l) => ({
            accountId: l.accountId!,
            debitMinor: cents(l.debit),
            creditMinor: cents(l.credit),
            ...(l.label ? { label: l.label } : {}),
            ...(l.channelCode ? { channelCode: l.channelCode } : {}),
            ...(l.customerClass ? { customerClass: l.customerClass } : {}),
          })),
      });
      setMessage(`Posted entry ${e.memo} on ${e.date} (${money(e.totalMinor)})`);
      setLines([emptyLine(), emptyLine()]);
      setMemo('');
      onPosted?.();
    } catch (err) {
      setMessage(messageOf(err));
    }
  };
  return (
    <Stack gap="xs" data-testid="manual-entry">
      <Group align="end">
        <Select label="Journal" data={journals.data.map((j) => ({ value: j.id, label: `${j.code} ${j.name}` }))} value={journalId ?? misc} onChange={setJournalId} w={220} allowDeselect={false} />
        <TextInput label="Date" type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} w={150} />
        <TextInput label="Memo" value={memo} onChange={(e) => setMemo(e.currentTarget.value)} w={320} data-testid="entry-memo" />
      </Group>
      {lines.map((l, i) => (
        <Group key={i} gap="xs" align="end" data-testid={`entry-line-${i}`}>
          <Select
            label={i === 0 ? 'Account' : undefined}
            aria-label={`Line ${i + 1} account`}
            searchable
            data={accounts.data.map((a) => ({ value: a.id, label: `${a.code} ${a.name}` }))}
            value={l.accountId}
            onChange={(v) => setLine(i, { accountId: v })}
            w={260}
          />
          <NumberInput label={i === 0 ? 'Debit' : undefined} aria-label={`Line ${i + 1} debit`} value={l.debit} onChange={(v) => setLine(i, { debit: v })} decimalScale={2} min={0} w={120} hideControls />
          <NumberInput label={i === 0 ? 'Credit' : undefined} aria-label={`Line ${i + 1} credit`} value={l.credit} onChange={(v) => setLine(i, { credit: v })} decimalScale={2} min={0} w={120} hideControls />
          <TextInput label={i === 0 ? 'Label' : undefined} aria-label={`Line ${i + 1} label`} value={l.label} onChange={(e) => setLine(i, { label: e.currentTarget.value })} w={180} />
          <TextInput label={i === 0 ? 'Channel' : undefined} aria-label={`Line ${i + 1} channel`} value={l.channelCode} onChange={(e) => setLine(i, { channelCode: e.currentTarget.value })} w={110} />
          <TextInput label={i === 0 ? 'Customer class' : undefined} aria-label={`Line ${i + 1} customer class`} value={l.customerClass} onChange={(e) => setLine(i, { customerClass: e.currentTarget.value })} w={120} />
        </Group>
      ))}
      <Group>
        <Button variant="default" onClick={() => setLines([...lines, emptyLine()])}>
          Add line
        </Button>
        <Text size="sm" data-testid="entry-totals" c={debit === credit ? undefined : 'red'}>
          Debit {money(debit)} · credit {money(credit)} · {debit === credit ? 'balanced' : `off by ${money(Math.abs(debit - credit))}`}
        </Text>
        <Button onClick={post} data-testid="entry-post">
          Post entry
        </Button>
      </Group>
      <ErrorAlert error={message} onClose={() => setMessage(null)} title="Journal entry" />
    </Stack>
  );
}

// --- general ledger with drill-down ----------------------------------------------------------

type GlRow = { lineId: string; entryId: string; date: string; memo: string; label: string | null; debitMinor: number; creditMinor: number; balanceMinor: number; sourceKind: string; sourceId: string | null; sourceNumber: string | null };

const GL_COLUMNS: Column<GlRow>[] = [
  { id: 'date', label: 'Date', width: '110px', render: (r) => r.date },
  { id: 'memo', label: 'Memo', width: 'minmax(200px, 3fr)', render: (r) => r.memo },
  { id: 'label', label: 'Label', width: 'minmax(120px, 2fr)', render: (r) => r.label ?? '' },
  { id: 'source', label: 'Source', width: '190px', mono: true, render: (r) => r.sourceNumber ?? r.sourceKind },
  { id: 'debit', label: 'Debit', width: '120px', num: true, render: (r) => (r.debitMinor ? money(r.debitMinor) : '') },
  { id: 'credit', label: 'Credit', width: '120px', num: true, render: (r) => (r.creditMinor ? money(r.creditMinor) : '') },
  { id: 'balance', label: 'Balance', width: '130px', num: true, render: (r) => money(r.balanceMinor) },
];

export function LedgerTab() {
  const accounts = useEngineQuery(() => client.call('finance.account.list', { includeArchived: true }), [], []);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [from, setFrom] = useState(`${today().slice(0, 4)}-01-01`);
  const [to, setTo] = useState(today());
  const [source, setSource] = useState<GlRow | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    if (!accountId && accounts.data.length) setAccountId(accounts.data.find((a) => a.role === 'receivable')?.id ?? accounts.data[0]!.id);
  }, [accounts.data, accountId]);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(to) && (!from || /^\d{4}-\d{2}-\d{2}$/.test(from));
  const key = JSON.stringify({ accountId, from, to });
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      accountId && valid ? client.call('finance.report.generalLedger', { accountId, to, ...(from ? { from } : {}), offset, limit }) : Promise.resolve({ rows: [] as GlRow[], total: 0, openingMinor: 0 }),
    [accountId, from, to, valid],
  );
  const list = usePagedWindow<GlRow>(key, fetchPage, 200);
  return (
    <Stack gap="sm">
      <Toolbar>
        <Select label="Account" searchable data={accounts.data.map((a) => ({ value: a.id, label: `${a.code} ${a.name}` }))} value={accountId} onChange={setAccountId} w={300} allowDeselect={false} data-testid="gl-account" />
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={150} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={150} />
        <ExportButtons report="generalLedger" scope={{ from, to }} onError={setMessage} />
        <Button variant="default" onClick={() => exportReport('generalLedger', 'hledger', { from, to }, setMessage)}>
          hledger journal
        </Button>
      </Toolbar>
      <ErrorAlert error={message} onClose={() => setMessage(null)} />
      <div style={{ height: 420, display: 'flex' }}>
        <VirtualTable<GlRow> label="General ledger" columns={GL_COLUMNS} source={list} onOpen={(r) => setSource(r)} emptyText="No postings on this account in these dates" testId="gl-table" />
      </div>
      <Text size="xs" c="dimmed">
        ↑/↓ select a line · Enter (or a double click) opens the document it came from.
      </Text>
      <SourceDrawer row={source} onClose={() => setSource(null)} />
    </Stack>
  );
}

/** The document a ledger line came from: invoice, vendor bill, payment, stock transfer, or the entry itself. */
function SourceDrawer({ row, onClose }: { row: GlRow | null; onClose(): void }) {
  const q = useEngineQuery(async () => {
    if (!row) return null;
    const entry = await client.call('finance.entry.get', { id: row.entryId });
    const doc =
      row.sourceKind === 'invoice' && row.sourceId
        ? { kind: 'invoice' as const, invoice: await client.call('sales.invoice.get', { id: row.sourceId }) }
        : row.sourceKind === 'bill' && row.sourceId
          ? { kind: 'bill' as const, bill: await client.call('purchasing.bill.get', { id: row.sourceId }) }
          : row.sourceKind === 'payment' && row.sourceId
            ? { kind: 'payment' as const, payment: await client.call('finance.payment.get', { id: row.sourceId }) }
            : null;
    return { entry, doc };
  }, [row?.lineId]);
  const d = q.data;
  return (
    <Drawer opened={!!row} onClose={onClose} position="right" size="xl" title={row ? `${row.sourceNumber ?? row.sourceKind} — ${row.memo}` : ''}>
      <ErrorAlert error={q.error} />
      {d?.doc?.kind === 'invoice' && (
        <Stack gap="xs" data-testid="source-invoice">
          <Text fw={600}>
            {d.doc.invoice.totalMinor < 0 ? 'Credit note' : 'Invoice'} {d.doc.invoice.number} · {d.doc.invoice.customerName} · {d.doc.invoice.invoiceDate} (due {d.doc.invoice.dueDate}) · {d.doc.invoice.state}
          </Text>
          <SimpleTable
            label="Invoice lines"
            rows={d.doc.invoice.lines}
            rowKey={(l) => l.id}
            columns={[
              { id: 'd', label: 'Item', render: (l) => l.description },
              { id: 'q', label: 'Qty', num: true, render: (l) => l.quantity },
              { id: 's', label: 'Subtotal', num: true, render: (l) => money(l.subtotalMinor) },
              { id: 'r', label: 'Tax rate', num: true, render: (l) => `${l.taxRateBp / 100}%` },
              { id: 't', label: 'Tax', num: true, render: (l) => money(l.taxMinor) },
              { id: 'T', label: 'Total', num: true, render: (l) => money(l.totalMinor) },
            ]}
          />
          <Text size="sm">
            Untaxed {money(d.doc.invoice.untaxedMinor)} · tax {money(d.doc.invoice.taxMinor)} · total {money(d.doc.invoice.totalMinor)} · open {money(d.doc.invoice.openMinor)}
          </Text>
          {d.doc.invoice.orderId && (
            <Button variant="light" w="fit-content" onClick={() => navigate(`orders/${d.doc!.kind === 'invoice' ? d.doc!.invoice.orderId : ''}`)}>
              Open order {d.doc.invoice.orderNumber}
            </Button>
          )}
        </Stack>
      )}
      {d?.doc?.kind === 'bill' && (
        <Stack gap="xs" data-testid="source-bill">
          <Text fw={600}>
            Vendor bill {d.doc.bill.number} · {d.doc.bill.vendorName} · {d.doc.bill.billDate} (due {d.doc.bill.dueDate}) · {d.doc.bill.state}
          </Text>
          <Text size="sm">Total {money(d.doc.bill.totalMinor)} (excluding tax; the entry below adds the input tax)</Text>
          <Button variant="light" w="fit-content" onClick={() => navigate('purchasing/bills')}>
            Open vendor bills
          </Button>
        </Stack>
      )}
      {d?.doc?.kind === 'payment' && (
        <Stack gap="xs" data-testid="source-payment">
          <Text fw={600}>
            Payment {d.doc.payment.number} · {d.doc.payment.direction === 'in' ? 'from' : 'to'} {d.doc.payment.partnerName} · {d.doc.payment.date} · {money(d.doc.payment.amountMinor)}
          </Text>
          <Text size="sm">
            Settles {d.doc.payment.allocations.map((a) => `${a.invoiceNumber} (${money(a.amountMinor)})`).join(', ') || 'no invoice'}; unallocated {money(d.doc.payment.unallocatedMinor)}
          </Text>
        </Stack>
      )}
      {row?.sourceKind === 'stock' && row.sourceId && (
        <Button variant="light" w="fit-content" mb="sm" onClick={() => navigate(`warehouse/transfers/${row.sourceId}`)} data-testid="source-transfer">
          Open transfer {row.sourceNumber}
        </Button>
      )}
      {d && (
        <Stack gap={4} mt="md" data-testid="source-entry">
          <Text fw={600} size="sm">
            Journal entry {d.entry.journalCode} {d.entry.date} {d.entry.reversedById ? <Badge color="gray">reversed</Badge> : null}
          </Text>
          <SimpleTable
            label="Entry lines"
            rows={d.entry.lines}
            rowKey={(l) => l.id}
            columns={[
              { id: 'a', label: 'Account', render: (l) => `${l.accountCode} ${l.accountName}` },
              { id: 'l', label: 'Label', render: (l) => l.label ?? '' },
              { id: 'd', label: 'Debit', num: true, render: (l) => (l.debitMinor ? money(l.debitMinor) : '') },
              { id: 'c', label: 'Credit', num: true, render: (l) => (l.creditMinor ? money(l.creditMinor) : '') },
              { id: 'x', label: 'Dimensions', render: (l) => [l.channelCode, l.customerClass, l.branchId].filter(Boolean).join(' · ') },
            ]}
          />
        </Stack>
      )}
    </Drawer>
  );
}

// --- aged receivables and payables, tax report -----------------------------------------------

function AgingTable({ label, rows, testId }: { label: string; rows: (Omit<z.infer<typeof AgingRow>, 'partnerId'> & { partnerId: string | null })[]; testId: string }) {
  return (
    <SimpleTable
      label={label}
      rows={rows}
      rowKey={(r) => r.partnerId ?? '-'}
      rowTestId={() => testId}
      empty="Nothing open"
      columns={[
        { id: 'p', label: 'Partner', render: (r) => r.partnerName },
        { id: 'c', label: 'Current', num: true, render: (r) => money(r.currentMinor) },
        { id: '1', label: '1–30', num: true, render: (r) => money(r.d1to30Minor) },
        { id: '2', label: '31–60', num: true, render: (r) => money(r.d31to60Minor) },
        { id: '3', label: '61–90', num: true, render: (r) => money(r.d61to90Minor) },
        { id: '4', label: 'Over 90', num: true, render: (r) => money(r.over90Minor) },
        { id: 'k', label: 'Credit', num: true, render: (r) => money(r.creditMinor) },
        { id: 't', label: 'Total', num: true, render: (r) => money(r.totalMinor) },
      ]}
    />
  );
}

export function AgingTab() {
  const [at, setAt] = useState(today());
  const q = useEngineQuery(() => Promise.all([client.call('finance.report.aging', { at }), client.call('finance.report.payablesAging', { at })]), [at]);
  const [message, setMessage] = useState<string | null>(null);
  const [ar, ap] = q.data ?? [null, null];
  return (
    <Stack gap="sm">
      <Toolbar>
        <TextInput label="At" type="date" value={at} onChange={(e) => setAt(e.currentTarget.value)} w={150} />
      </Toolbar>
      <ErrorAlert error={q.error ?? message} onClose={() => setMessage(null)} />
      <Group justify="space-between">
        <Text fw={600} data-testid="ar-total">
          Aged receivables · {money(ar?.totalMinor ?? 0)}
        </Text>
        <ExportButtons report="receivablesAging" scope={{ to: at }} onError={setMessage} />
      </Group>
      <AgingTable label="Aged receivables" rows={ar?.rows ?? []} testId="ar-row" />
      <Group justify="space-between">
        <Text fw={600} data-testid="ap-total">
          Aged payables · {money(ap?.totalMinor ?? 0)}
        </Text>
        <ExportButtons report="payablesAging" scope={{ to: at }} onError={setMessage} />
      </Group>
      <AgingTable label="Aged payables" rows={ap?.rows ?? []} testId="ap-row" />
    </Stack>
  );
}

export function TaxTab() {
  const [from, setFrom] = useState(`${today().slice(0, 7)}-01`);
  const [to, setTo] = useState(today());
  const q = useEngineQuery(() => Promise.all([client.call('finance.report.tax', { from, to }), client.call('finance.tax.settings', {})]), [from, to]);
  const [message, setMessage] = useState<string | null>(null);
  const [rows, settings] = q.data ?? [null, null];
  const setRounding = (rounding: 'line' | 'total') => runThen(() => client.call('finance.tax.configure', { rounding }), q.reload, setMessage);
  return (
    <Stack gap="sm">
      <Toolbar>
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={150} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={150} />
        <ExportButtons report="tax" scope={{ from, to }} onError={setMessage} />
        <Select
          label="Tax rounding"
          data={[
            { value: 'line', label: 'Per line' },
            { value: 'total', label: 'Per total (once per rate)' },
          ]}
          value={settings?.rounding ?? 'line'}
          onChange={(v) => v && setRounding(v as 'line' | 'total')}
          w={220}
          allowDeselect={false}
        />
      </Toolbar>
      <ErrorAlert error={q.error ?? message} onClose={() => setMessage(null)} />
      <SimpleTable
        label="Tax report"
        rows={rows ?? []}
        rowKey={(r) => String(r.rateBp)}
        empty="No taxed postings in these dates"
        columns={[
          { id: 'r', label: 'Rate', render: (r) => `${r.rateBp / 100}%` },
          { id: 'b', label: 'Sales base', num: true, render: (r) => money(r.baseMinor) },
          { id: 't', label: 'Output tax', num: true, testId: 'tax-output', render: (r) => money(r.taxMinor) },
          { id: 'ib', label: 'Purchase base', num: true, render: (r) => money(r.inputBaseMinor) },
          { id: 'it', label: 'Input tax', num: true, render: (r) => money(r.inputTaxMinor) },
          { id: 'n', label: 'Net', num: true, render: (r) => money(r.netMinor) },
        ]}
      />
      {settings && (
        <Text size="xs" c="dimmed">
          Rates: {settings.rates.filter((r) => r.active).map((r) => `${r.code} ${r.rateBp / 100}%${r.priceIncluded ? ' incl.' : ''}`).join(', ')} · fiscal positions: {settings.fiscalPositions.map((p) => `${p.code} (${p.map.map((m) => `${m.from}→${m.to}`).join(', ')})`).join('; ')}
        </Text>
      )}
    </Stack>
  );
}

import { Badge, Button, Group, Select, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { Checklist, StatementLine, TrialBalanceRow } from '../../../src-shared/contract/finance';
import { formatMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';
import { downloadBase64 } from '../warehouse/download';
import { AccountsTab, AgingTab, LedgerTab, ManualEntryForm, TaxTab } from './BooksTabs';

/**
 * Finance: trial balance (with exports), chart of accounts, journal entries (manual entry),
 * general ledger with drill-down, aging (AR and AP), tax, bank reconciliation and the month-end
 * close (BooksTabs.tsx holds the books' tabs). Every figure comes from the engine's finance.* methods; this screen only shows them.
 */

const money = (minor: number) => formatMoney(minor);
const today = () => new Date().toISOString().slice(0, 10);
const lastMonth = () => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

function TrialBalanceTab() {
  const [to, setTo] = useState(today());
  const q = useEngineQuery(() => client.call('finance.report.trialBalance', { to }), [to]);
  const [error, setError] = useState<string | null>(null);
  const exportAs = async (report: 'trialBalance' | 'generalLedger', format: 'csv' | 'xlsx' | 'pdf' | 'hledger') => {
    try {
      const f = await client.call('finance.report.export', { report, format, to });
      downloadBase64({ filename: f.fileName, contentType: f.mime, base64: f.base64 });
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const tb = q.data;
  return (
    <Stack gap="sm">
      <Toolbar>
        <TextInput label="To date" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={140} data-testid="tb-to" />
        <Button variant="default" onClick={() => exportAs('trialBalance', 'csv')}>CSV</Button>
        <Button variant="default" onClick={() => exportAs('trialBalance', 'xlsx')}>XLSX</Button>
        <Button variant="default" onClick={() => exportAs('trialBalance', 'pdf')}>PDF</Button>
        <Button variant="default" onClick={() => exportAs('generalLedger', 'hledger')}>GL as hledger journal</Button>
      </Toolbar>
      <ErrorAlert error={q.error ?? error} onClose={() => setError(null)} />
      {tb && (
        <>
          <SimpleTable<z.infer<typeof TrialBalanceRow>>
            label="Trial balance"
            rows={tb.rows}
            rowKey={(r) => r.accountId}
            columns={[
              { id: 'code', label: 'Account', mono: true, width: 90, render: (r) => r.code },
              { id: 'name', label: 'Name', render: (r) => r.name },
              { id: 'debit', label: 'Debit', num: true, render: (r) => money(r.debitMinor) },
              { id: 'credit', label: 'Credit', num: true, render: (r) => money(r.creditMinor) },
              { id: 'balance', label: 'Balance', num: true, testId: 'tb-balance', render: (r) => money(r.balanceMinor) },
            ]}
          />
          <Text size="sm" data-testid="tb-totals">
            Total debit {money(tb.debitMinor)} · credit {money(tb.creditMinor)} · {tb.debitMinor === tb.creditMinor ? 'balanced' : 'NOT balanced'}
          </Text>
        </>
      )}
    </Stack>
  );
}

function EntriesTab() {
  const q = useEngineQuery(() => client.call('finance.entry.list', { limit: 200 }), []);
  return (
    <Stack gap="sm">
      <ManualEntryForm onPosted={() => void q.reload()} />
      <ErrorAlert error={q.error} />
      <SimpleTable
        label="Journal entries"
        rows={q.data?.rows ?? []}
        rowKey={(r) => r.id}
        empty="No entries yet"
        columns={[
          { id: 'date', label: 'Date', width: 110, render: (r) => r.date },
          { id: 'journal', label: 'Journal', width: 80, render: (r) => r.journalCode },
          { id: 'memo', label: 'Memo', render: (r) => r.memo },
          { id: 'source', label: 'Source', render: (r) => r.sourceNumber ?? r.sourceKind },
          { id: 'total', label: 'Amount', num: true, render: (r) => money(r.totalMinor) },
          { id: 'rev', label: '', width: 90, render: (r) => (r.reversedById ? <Badge color="gray">reversed</Badge> : r.movedFromDate ? <Badge color="orange">moved</Badge> : null) },
        ]}
      />
    </Stack>
  );
}

function BankTab() {
  const q = useEngineQuery(() => client.call('finance.bank.lines', { state: 'open', limit: 200 }), []);
  const [error, setError] = useState<string | null>(null);
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const content = await file.text();
      const r = await client.call('finance.bank.import', { fileName: file.name, format: /\.xml$/i.test(file.name) ? 'camt053' : 'csv', content });
      setError(`Imported ${r.lines} line(s), ${r.autoMatched} matched by the rules`);
      await q.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const match = async (lineId: string, input: { invoiceIds?: string[]; ignore?: boolean }) => {
    try {
      await client.call('finance.bank.match', { lineId, ...input });
      await q.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <Stack gap="sm">
      <Toolbar>
        <input type="file" accept=".csv,.xml" aria-label="Import a bank statement (CSV or CAMT.053)" data-testid="bank-file" onChange={(e) => importFile(e.currentTarget.files?.[0])} />
      </Toolbar>
      <ErrorAlert error={q.error ?? error} onClose={() => setError(null)} title="Bank" />
      <SimpleTable<z.infer<typeof StatementLine>>
        label="Statement lines to match"
        rows={q.data?.rows ?? []}
        rowKey={(r) => r.id}
        empty="Every statement line is matched"
        columns={[
          { id: 'date', label: 'Date', width: 110, render: (r) => r.date },
          { id: 'amount', label: 'Amount', num: true, render: (r) => money(r.amountMinor) },
          { id: 'ref', label: 'Reference', render: (r) => r.reference ?? r.description ?? '' },
          { id: 'partner', label: 'From', render: (r) => r.partnerName ?? '' },
          {
            id: 'match',
            label: 'Match',
            render: (r) => (
              <Group gap={4}>
                {r.suggestions.slice(0, 3).map((s) => (
                  <Button key={s.invoiceId} size="xs" variant="light" onClick={() => match(r.id, { invoiceIds: [s.invoiceId] })}>
                    {s.invoiceNumber} ({s.rule.replace('_', ' + ')})
                  </Button>
                ))}
                <Button size="xs" variant="subtle" onClick={() => match(r.id, { ignore: true })}>Ignore</Button>
              </Group>
            ),
          },
        ]}
      />
    </Stack>
  );
}

function CloseTab() {
  const [period, setPeriod] = useState(lastMonth());
  const [lock, setLock] = useState<'soft' | 'hard'>('soft');
  const q = useEngineQuery(() => Promise.all([client.call('finance.close.checklist', { period }), client.call('finance.close.status', { period })]), [period]);
  const [message, setMessage] = useState<string | null>(null);
  const close = async (company: boolean) => {
    try {
      const locks = company ? await client.call('finance.company.close', { period, lock }) : await client.call('finance.period.close', { period, lock });
      setMessage(`Closed: branch up to ${locks.branchSoft ?? '—'}, company up to ${locks.companySoft ?? '—'}`);
      await q.reload();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  const [checklist, status] = q.data ?? [null, null];
  return (
    <Stack gap="sm">
      <Toolbar>
        <TextInput label="Month" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} w={110} data-testid="close-period" />
        <Select label="Lock" data={[{ value: 'soft', label: 'Soft (finance only)' }, { value: 'hard', label: 'Hard (nobody, final)' }]} value={lock} onChange={(v) => setLock((v as 'soft' | 'hard') ?? 'soft')} w={200} />
        <Button onClick={() => close(false)} data-testid="close-branch">Close this branch</Button>
        <Button variant="default" onClick={() => close(true)} data-testid="close-company">Close the company (centre)</Button>
      </Toolbar>
      <ErrorAlert error={q.error ?? message} onClose={() => setMessage(null)} title="Close" />
      {checklist && (
        <SimpleTable<z.infer<typeof Checklist>['items'][number]>
          label="Close checklist"
          rows={checklist.items}
          rowKey={(r) => r.key}
          rowTestId={(r) => `check-${r.key}`}
          columns={[
            { id: 'ok', label: '', width: 70, render: (r) => <Badge color={r.ok ? 'green' : 'red'}>{r.ok ? 'OK' : 'Open'}</Badge> },
            { id: 'title', label: 'Item', render: (r) => r.title },
            { id: 'detail', label: 'Detail', render: (r) => r.detail },
            { id: 'blocking', label: 'Blocking', render: (r) => r.blocking.slice(0, 5).map((b) => b.number ?? b.label).join(', ') },
          ]}
        />
      )}
      {status && (
        <Text size="sm" data-testid="close-locks">
          Branch soft lock {status.locks.branchSoft ?? '—'}, hard {status.locks.branchHard ?? '—'} · company soft {status.locks.companySoft ?? '—'}, hard {status.locks.companyHard ?? '—'}
          {status.branches.filter((b) => b.behind).map((b) => ` · ${b.reason}`)}
        </Text>
      )}
    </Stack>
  );
}

export function FinancePage() {
  return (
    <div className="bl-page">
      <PageHeader title="Finance" />
      <Tabs defaultValue="tb" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="tb">Trial balance</Tabs.Tab>
          <Tabs.Tab value="accounts">Chart of accounts</Tabs.Tab>
          <Tabs.Tab value="entries">Journal entries</Tabs.Tab>
          <Tabs.Tab value="gl">General ledger</Tabs.Tab>
          <Tabs.Tab value="aging">Aging</Tabs.Tab>
          <Tabs.Tab value="tax">Tax</Tabs.Tab>
          <Tabs.Tab value="bank">Bank reconciliation</Tabs.Tab>
          <Tabs.Tab value="close">Month-end close</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="tb" pt="sm"><TrialBalanceTab /></Tabs.Panel>
        <Tabs.Panel value="accounts" pt="sm"><AccountsTab /></Tabs.Panel>
        <Tabs.Panel value="entries" pt="sm"><EntriesTab /></Tabs.Panel>
        <Tabs.Panel value="gl" pt="sm"><LedgerTab /></Tabs.Panel>
        <Tabs.Panel value="aging" pt="sm"><AgingTab /></Tabs.Panel>
        <Tabs.Panel value="tax" pt="sm"><TaxTab /></Tabs.Panel>
        <Tabs.Panel value="bank" pt="sm"><BankTab /></Tabs.Panel>
        <Tabs.Panel value="close" pt="sm"><CloseTab /></Tabs.Panel>
      </Tabs>
    </div>
  );
}

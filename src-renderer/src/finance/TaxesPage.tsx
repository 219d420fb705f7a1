import { ActionIcon, Badge, Button, Group, NumberInput, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState, type KeyboardEvent } from 'react';
import type { z } from 'zod';
import type { TaxSettings } from '../../../src-shared/contract/finance';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { InlineSaveCancel } from '../ui/FormActions';
import { PageHeader, SectionHeading, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';

/**
 * Finance → Taxes: the tax rates (code, name, scope, rate in basis points, included in the
 * price or not, account), the fiscal positions (which rate replaces which), the company's
 * rounding rule, and a customer's or vendor's fiscal position. Keyboard-first: Tab to a row's
 * Edit button, Enter (or Ctrl+S) saves a form, Escape closes it; Alt+R adds a rate, Alt+F a
 * fiscal position. Every rule (range, duplicate codes, mappings) is the engine's; its refusal
 * is shown as worded.
 */

type Settings = z.infer<typeof TaxSettings>;
type Rate = Settings['rates'][number];
type Position = Settings['fiscalPositions'][number];

interface RateForm {
  id?: string;
  code: string;
  name: string;
  scope: 'sales' | 'purchase';
  rateBp: number | string;
  priceIncluded: boolean;
  accountId: string | null;
  active: boolean;
}
interface PositionForm {
  id?: string;
  code: string;
  name: string;
  map: { from: string | null; to: string | null }[];
}

const pct = (bp: number) => `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')} %`;

/** Enter or Ctrl+S saves, Escape cancels (Enter inside a dropdown is the dropdown's). */
function formKeys(save: () => void, cancel: () => void) {
  return (e: KeyboardEvent) => {
    const inList = (e.target as HTMLElement).getAttribute('aria-expanded') === 'true';
    if ((e.key === 'Enter' && !inList) || (e.key === 's' && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape' && !inList) cancel();
  };
}

export function TaxesPage() {
  const { can } = useSession();
  const editable = can('finance.config');
  const q = useEngineQuery(() => client.call('finance.tax.settings', {}), []);
  const accounts = useEngineQuery(() => client.call('finance.account.list', {}), [], []);
  const [message, setMessage] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [rate, setRate] = useState<RateForm | null>(null);
  const [position, setPosition] = useState<PositionForm | null>(null);
  const settings = q.data;
  const accountLabel = new Map(accounts.data.map((a) => [a.id, `${a.code} ${a.name}`]));

  const run = async (what: () => Promise<unknown>, done: string, after?: () => void) => {
    try {
      await what();
      setMessage(null);
      setNotice(done);
      after?.();
      await q.reload();
    } catch (e) {
      setNotice(null);
      setMessage(messageOf(e));
    }
  };

  const newRate = () => setRate({ code: '', name: '', scope: 'sales', rateBp: '', priceIncluded: false, accountId: accounts.data.find((a) => a.role === 'tax_out')?.id ?? null, active: true });
  const editRate = (r: Rate) => setRate({ id: r.id, code: r.code, name: r.name, scope: r.scope, rateBp: r.rateBp, priceIncluded: r.priceIncluded, accountId: r.accountId, active: r.active });
  const saveRate = () => {
    if (!rate) return;
    const input = { ...(rate.id ? { id: rate.id } : {}), code: rate.code, name: rate.name, scope: rate.scope, rateBp: rate.rateBp === '' ? Number.NaN : Number(rate.rateBp), priceIncluded: rate.priceIncluded, accountId: rate.accountId ?? '', active: rate.active };
    void run(() => client.call('finance.tax.rate.save', input), `Saved tax ${rate.code.toUpperCase()}`, () => setRate(null));
  };

  const newPosition = () => setPosition({ code: '', name: '', map: [{ from: null, to: null }] });
  const editPosition = (p: Position) => setPosition({ id: p.id, code: p.code, name: p.name, map: p.map.length ? p.map.map((m) => ({ ...m })) : [{ from: null, to: null }] });
  const savePosition = () => {
    if (!position) return;
    const map = position.map.filter((m) => m.from || m.to).map((m) => ({ from: m.from ?? '', to: m.to ?? '' }));
    void run(() => client.call('finance.tax.fiscalPosition.save', { ...(position.id ? { id: position.id } : {}), code: position.code, name: position.name, map }), `Saved fiscal position ${position.code.toUpperCase()}`, () => setPosition(null));
  };
  const setMapLine = (i: number, patch: Partial<PositionForm['map'][number]>) => position && setPosition({ ...position, map: position.map.map((m, j) => (j === i ? { ...m, ...patch } : m)) });

  const hotkeys = (e: KeyboardEvent) => {
    if (!editable || !e.altKey) return;
    if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      newRate();
    } else if (e.key === 'f' || e.key === 'F') {
      e.preventDefault();
      newPosition();
    }
  };

  const rateCodes = (settings?.rates ?? []).map((r) => ({ value: r.code, label: `${r.code} · ${pct(r.rateBp)}${r.priceIncluded ? ' incl.' : ''} (${r.scope})${r.active ? '' : ' archived'}` }));

  return (
    <div className="bl-page" onKeyDown={hotkeys}>
      <PageHeader title="Taxes" />
      <Stack gap="md">
        <ErrorAlert error={q.error ?? accounts.error ?? message} onClose={() => setMessage(null)} title="Taxes" />
        {notice && (
          <Text size="sm" c="teal" data-testid="taxes-notice">
            {notice}
          </Text>
        )}

        <Toolbar>
          <Select
            label="Tax rounding"
            data={[
              { value: 'line', label: 'Per line' },
              { value: 'total', label: 'Per total (once per rate)' },
            ]}
            value={settings?.rounding ?? 'line'}
            onChange={(v) => v && void run(() => client.call('finance.tax.configure', { rounding: v as 'line' | 'total' }), `Tax rounding: ${v === 'line' ? 'per line' : 'per total'}`)}
            w={240}
            allowDeselect={false}
            disabled={!editable}
            data-testid="tax-rounding"
          />
        </Toolbar>

        <Stack gap="xs">
          <SectionHeading title="Tax rates" add={editable && { label: 'Add tax rate', onClick: newRate, testId: 'rate-new', shortcut: 'Alt+R' }} />
          {rate && (
            <Group align="end" wrap="wrap" data-testid="rate-form" onKeyDown={formKeys(saveRate, () => setRate(null))}>
              <TextInput label="Code" value={rate.code} onChange={(e) => setRate({ ...rate, code: e.currentTarget.value })} w={100} autoFocus={!rate.id} data-testid="rate-code" />
              <TextInput label="Name" value={rate.name} onChange={(e) => setRate({ ...rate, name: e.currentTarget.value })} w={220} autoFocus={!!rate.id} data-testid="rate-name" />
              <Select label="Scope" data={[{ value: 'sales', label: 'Sales' }, { value: 'purchase', label: 'Purchase' }]} value={rate.scope} onChange={(v) => v && setRate({ ...rate, scope: v as RateForm['scope'] })} w={120} allowDeselect={false} />
              <NumberInput
                label="Rate (basis points)"
                description={rate.rateBp === '' ? '2000 = 20 %' : pct(Number(rate.rateBp))}
                value={rate.rateBp}
                onChange={(v) => setRate({ ...rate, rateBp: v })}
                allowDecimal={false}
                w={150}
                data-testid="rate-bp"
              />
              <Switch label="Included in price" checked={rate.priceIncluded} onChange={(e) => setRate({ ...rate, priceIncluded: e.currentTarget.checked })} data-testid="rate-included" />
              <Select label="Account" searchable data={accounts.data.filter((a) => a.active).map((a) => ({ value: a.id, label: `${a.code} ${a.name}` }))} value={rate.accountId} onChange={(v) => setRate({ ...rate, accountId: v })} w={220} data-testid="rate-account" />
              <Switch label="Active" checked={rate.active} onChange={(e) => setRate({ ...rate, active: e.currentTarget.checked })} />
              <InlineSaveCancel onSave={saveRate} onCancel={() => setRate(null)} saveTestId="rate-save" />
            </Group>
          )}
          <SimpleTable<Rate>
            label="Tax rates"
            rows={settings?.rates ?? []}
            rowKey={(r) => r.id}
            rowTestId={(r) => `rate-${r.code}`}
            columns={[
              { id: 'code', label: 'Code', mono: true, width: 80, render: (r) => r.code },
              { id: 'name', label: 'Name', render: (r) => r.name },
              { id: 'scope', label: 'Scope', width: 90, render: (r) => r.scope },
              { id: 'rate', label: 'Rate', num: true, width: 90, testId: 'rate-pct', render: (r) => pct(r.rateBp) },
              { id: 'bp', label: 'bp', num: true, width: 70, render: (r) => String(r.rateBp) },
              { id: 'incl', label: 'Price', width: 110, render: (r) => (r.priceIncluded ? 'tax included' : 'tax excluded') },
              { id: 'account', label: 'Account', width: 200, render: (r) => accountLabel.get(r.accountId) ?? '' },
              { id: 'active', label: '', width: 80, render: (r) => (r.active ? '' : <Badge color="gray">archived</Badge>) },
              {
                id: 'edit',
                label: '',
                width: 70,
                render: (r) =>
                  editable && (
                    <Button size="compact-xs" variant="subtle" onClick={() => editRate(r)} data-testid="rate-edit" aria-label={`Edit tax ${r.code}`}>
                      Edit
                    </Button>
                  ),
              },
            ]}
          />
          <Text size="xs" c="dimmed">
            A rate applies to the next order, invoice or bill; documents already written keep their amounts. Included: the price is what the customer pays and the tax is taken out of it.
            Postings go to the accounts with the tax roles (output tax 2200, input tax 1400).
          </Text>
        </Stack>

        <Stack gap="xs">
          <SectionHeading title="Fiscal positions" add={editable && { label: 'Add fiscal position', onClick: newPosition, testId: 'fp-new', shortcut: 'Alt+F' }} />
          {position && (
            <Stack gap={6} data-testid="fp-form" onKeyDown={formKeys(savePosition, () => setPosition(null))}>
              <Group align="end">
                <TextInput label="Code" value={position.code} onChange={(e) => setPosition({ ...position, code: e.currentTarget.value })} w={120} autoFocus data-testid="fp-code" />
                <TextInput label="Name" value={position.name} onChange={(e) => setPosition({ ...position, name: e.currentTarget.value })} w={280} data-testid="fp-name" />
              </Group>
              {position.map.map((m, i) => (
                <Group key={i} align="end" data-testid={`fp-line-${i}`}>
                  <Select label={i === 0 ? 'Tax on the document' : undefined} placeholder="From" searchable data={rateCodes} value={m.from} onChange={(v) => setMapLine(i, { from: v })} w={260} data-testid="fp-from" />
                  <Text pb={6}>→</Text>
                  <Select label={i === 0 ? 'Replaced by' : undefined} placeholder="To" searchable data={rateCodes} value={m.to} onChange={(v) => setMapLine(i, { to: v })} w={260} data-testid="fp-to" />
                  <ActionIcon variant="subtle" color="gray" mb={4} aria-label={`Remove mapping line ${i + 1}`} onClick={() => setPosition({ ...position, map: position.map.filter((_, j) => j !== i) })}>
                    ×
                  </ActionIcon>
                </Group>
              ))}
              <Group>
                <Button size="xs" variant="default" onClick={() => setPosition({ ...position, map: [...position.map, { from: null, to: null }] })} data-testid="fp-add-line">
                  Add mapping line
                </Button>
                <InlineSaveCancel size="xs" onSave={savePosition} onCancel={() => setPosition(null)} saveTestId="fp-save" />
              </Group>
            </Stack>
          )}
          <SimpleTable<Position>
            label="Fiscal positions"
            rows={settings?.fiscalPositions ?? []}
            rowKey={(p) => p.id}
            rowTestId={(p) => `fp-${p.code}`}
            empty="No fiscal positions"
            columns={[
              { id: 'code', label: 'Code', mono: true, width: 110, render: (p) => p.code },
              { id: 'name', label: 'Name', width: 260, render: (p) => p.name },
              { id: 'map', label: 'Mapping', testId: 'fp-map', render: (p) => (p.map.length ? p.map.map((m) => `${m.from} → ${m.to}`).join(', ') : 'nothing mapped') },
              {
                id: 'edit',
                label: '',
                width: 70,
                render: (p) =>
                  editable && (
                    <Button size="compact-xs" variant="subtle" onClick={() => editPosition(p)} data-testid="fp-edit" aria-label={`Edit fiscal position ${p.code}`}>
                      Edit
                    </Button>
                  ),
              },
            ]}
          />
        </Stack>

        <PartnerPositions
          positions={settings?.fiscalPositions ?? []}
          editable={editable}
          onDone={(m) => {
            setMessage(null);
            setNotice(m);
          }}
          onError={(m) => {
            setNotice(null);
            setMessage(m);
          }}
        />
      </Stack>
    </div>
  );
}

/** A customer's or vendor's fiscal position: search, then pick the position (or none) in the row. */
function PartnerPositions({ positions, editable, onDone, onError }: { positions: Position[]; editable: boolean; onDone(m: string): void; onError(m: string): void }) {
  const [query, setQuery] = useState('');
  const partners = useEngineQuery(() => client.call('finance.tax.partners', { query, limit: 20 }), [query], []);
  const options = [{ value: 'none', label: 'None' }, ...positions.map((p) => ({ value: p.id, label: `${p.code} ${p.name}` }))];
  const assign = async (partner: { id: string; name: string }, fiscalPositionId: string | null) => {
    try {
      await client.call('finance.partner.fiscalPosition', { partnerId: partner.id, fiscalPositionId });
      onDone(`Fiscal position of ${partner.name}: ${positions.find((p) => p.id === fiscalPositionId)?.code ?? 'none'}`);
      await partners.reload();
    } catch (e) {
      onError(messageOf(e));
    }
  };
  return (
    <Stack gap="xs">
      <Title order={5}>Customers and vendors</Title>
      <TextInput label="Find a customer or vendor" placeholder="Code or name" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={320} data-testid="fp-partner-search" />
      <SimpleTable
        label="Fiscal position of customers and vendors"
        rows={partners.data}
        rowKey={(r) => r.id}
        rowTestId={(r) => `fp-partner-${r.code}`}
        empty="No customer or vendor matches"
        columns={[
          { id: 'code', label: 'Code', mono: true, width: 110, render: (r) => r.code },
          { id: 'name', label: 'Name', render: (r) => r.name },
          { id: 'kind', label: 'Kind', width: 90, render: (r) => r.kind },
          {
            id: 'fp',
            label: 'Fiscal position',
            width: 280,
            render: (r) => (
              <Select
                size="xs"
                aria-label={`Fiscal position of ${r.name}`}
                data={options}
                value={r.fiscalPositionId ?? 'none'}
                onChange={(v) => void assign(r, v && v !== 'none' ? v : null)}
                allowDeselect={false}
                disabled={!editable}
                data-testid="fp-partner-select"
              />
            ),
          },
        ]}
      />
    </Stack>
  );
}

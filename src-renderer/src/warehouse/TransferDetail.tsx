import { Alert, Anchor, Badge, Button, Group, Kbd, Loader, Modal, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconArrowRight, IconCheck, IconChecklist, IconPlayerPlay, IconRefresh, IconX } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { FormActions } from '../ui/FormActions';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { STATE_COLORS, STATE_LABELS, dateTime, namesLots, qty, stepLabel } from './format';
import { QtyInput } from './QtyInput';
import { ScanBar, type ScanBarHandle } from './ScanBar';
import { type Edits, type ScanOutcome, type Transfer, emptyEdit, filledEdits, initialEdits, isOpen, needOf, planValidation } from './scan';
import { locationsWithin, useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Step = { id: string; number: string; kind: Transfer['kind']; state: Transfer['state'] };

/** One transfer: its lines, the steps it is chained to, and what can be done with it now. */
export function TransferDetail({ id, backTo }: { id: string; backTo: string }) {
  const { can } = useSession();
  const operate = can('inventory.operate');
  const { locations } = useWarehouseRefs();
  const [t, setT] = useState<Transfer | null>(null);
  const [chain, setChain] = useState<Step[]>([]);
  /** Where done lines' stock actually went (a put-away into a bin), from the transfer's moves. */
  const [movedTo, setMovedTo] = useState<Record<string, string[]>>({});
  const [edits, setEdits] = useState<Edits>({});
  const [error, setError] = useState<string | null>(null);
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [flash, setFlash] = useState<{ lineId: string; seq: number } | null>(null);
  const [backorderAsk, setBackorderAsk] = useState<{ sku: string; done: number; need: number }[] | null>(null);
  const scanRef = useRef<ScanBarHandle>(null);

  const load = useCallback(async () => {
    try {
      const got = await client.call('inventory.transfer.get', { id });
      setT(got);
      setEdits((prev) => {
        const fresh = initialEdits(got);
        for (const k of Object.keys(fresh)) if (prev[k]) fresh[k] = prev[k]!;
        return fresh;
      });
      setError(null);
      // The steps after this one (pick → pack → ship; receive → put away; ship → receive at the other warehouse).
      const steps: Step[] = [{ id: got.id, number: got.number, kind: got.kind, state: got.state }];
      let next = got.linkedTransferId;
      for (let i = 0; i < 4 && next; i++) {
        const n = await client.call('inventory.transfer.get', { id: next });
        steps.push({ id: n.id, number: n.number, kind: n.kind, state: n.state });
        next = n.linkedTransferId;
      }
      setChain(steps);
      if (got.lines.some((l) => l.state === 'done')) {
        const moves = await client.call('inventory.ledger', { transferId: got.id, limit: 500 });
        const to: Record<string, string[]> = {};
        for (const m of moves.rows) if (!(to[m.productId] ??= []).includes(m.toPath)) to[m.productId]!.push(m.toPath);
        setMovedTo(to);
      } else setMovedTo({});
    } catch (e) {
      setError(messageOf(e));
    }
  }, [id]);

  useEffect(() => {
    setT(null);
    setEdits({});
    setLineErrors({});
    void load();
  }, [load]);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'committed' && typeof event.method === 'string' && event.method.startsWith('inventory.') && !busy) void load();
      }),
    [load, busy],
  );

  const open = t ? t.state !== 'done' && t.state !== 'cancelled' : false;
  // Also from inside the line inputs: Ctrl+Enter validates what was typed.
  useHotkeys(
    backorderAsk
      ? []
      : [
          ['F2', () => scanRef.current?.focus()],
          ['mod+Enter', () => void validate()],
        ],
    [],
  );

  async function run(label: string, fn: () => Promise<unknown>, success: string) {
    setBusy(label);
    setError(null);
    try {
      await fn();
      notifications.show({ color: 'teal', title: success, message: t?.number ?? '' });
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  async function validate(createBackorder?: boolean) {
    if (!t || !open || !operate) return;
    const plan = planValidation(t, edits);
    setLineErrors(plan.errors);
    if (Object.keys(plan.errors).length > 0) return setError('Some lines need attention before validating');
    if (!plan.anyDone) return setError('Nothing is done yet: scan the products, type the done quantities, or use Fill quantities');
    if (plan.short.length > 0 && createBackorder === undefined) return setBackorderAsk(plan.short);
    setBackorderAsk(null);
    setBusy('validate');
    setError(null);
    try {
      const res = await client.call('inventory.transfer.validate', { id: t.id, lines: plan.lines, createBackorder: createBackorder ?? true });
      notifications.show({
        color: 'teal',
        title: `${res.transfer.number} validated`,
        message: res.backorder ? `Backorder ${res.backorder.number} holds what is left` : res.transfer.linkedTransferId ? 'The next step is ready to work' : 'Stock moves posted',
      });
      setEdits({});
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  function onScanned(outcome: ScanOutcome) {
    setEdits(outcome.edits);
    if (outcome.lineId && outcome.tone === 'ok') setFlash((f) => ({ lineId: outcome.lineId!, seq: (f?.seq ?? 0) + 1 }));
  }

  const setEdit = (lineId: string, patch: Partial<Edits[string]>) => setEdits((e) => ({ ...e, [lineId]: { ...(e[lineId] ?? emptyEdit()), ...patch } }));

  if (error && !t) {
    return (
      <div className="bl-page">
        <div className="bl-page-body">
          <Alert color="red" title="Transfer not loaded">
            {error}
          </Alert>
        </div>
      </div>
    );
  }
  if (!t) {
    return (
      <div className="bl-page">
        <div className="bl-page-body">
          <Loader size="sm" />
        </div>
      </div>
    );
  }

  const openLines = t.lines.filter(isOpen);
  const doneUnits = openLines.reduce((s, l) => s + (edits[l.id]?.done ?? 0), 0);
  const needUnits = openLines.reduce((s, l) => s + needOf(l), 0);
  const lotsHere = namesLots(t.kind) && t.lines.some((l) => l.tracking !== 'none');
  const nextStep = chain[1];

  return (
    <div className="bl-page">
      <PageHeader
        mono
        back={{ to: backTo, label: 'Back to the list' }}
        title={t.number}
        actions={
          <Text size="xs" c="dimmed">
            <Kbd size="xs">F2</Kbd> scan · <Kbd size="xs">Ctrl</Kbd>+<Kbd size="xs">Enter</Kbd> validate
          </Text>
        }
      >
        <Badge color="gray" variant="outline" style={{ flexShrink: 0 }}>
          {stepLabel(t)}
        </Badge>
        <Badge color={STATE_COLORS[t.state]} data-testid="transfer-state" style={{ flexShrink: 0 }}>
          {STATE_LABELS[t.state]}
        </Badge>
        {t.waveId && (
          <Anchor size="sm" onClick={() => navigate(`warehouse/waves/${t.waveId}`)}>
            In a wave
          </Anchor>
        )}
      </PageHeader>
      <Toolbar role="toolbar" aria-label="Transfer actions">
        {operate && t.state === 'draft' && (
          <Button leftSection={<IconPlayerPlay size={14} />} loading={busy === 'confirm'} onClick={() => void run('confirm', () => client.call('inventory.transfer.confirm', { id: t.id }), 'Transfer confirmed')}>
            Confirm
          </Button>
        )}
        {operate && (t.state === 'waiting' || t.state === 'ready') && (
          <>
            <Button variant="default" leftSection={<IconRefresh size={14} />} loading={busy === 'reserve'} onClick={() => void run('reserve', () => client.call('inventory.transfer.reserve', { id: t.id }), 'Availability checked')}>
              Check availability
            </Button>
            {t.lines.some((l) => l.reserved > 0) && (
              <Button variant="default" loading={busy === 'unreserve'} onClick={() => void run('unreserve', () => client.call('inventory.transfer.unreserve', { id: t.id }), 'Reservations released')}>
                Unreserve
              </Button>
            )}
            <Button variant="default" leftSection={<IconChecklist size={14} />} onClick={() => setEdits(filledEdits(t, edits))}>
              Fill quantities
            </Button>
            <Button leftSection={<IconCheck size={14} />} loading={busy === 'validate'} onClick={() => void validate()}>
              Validate
            </Button>
          </>
        )}
        <div style={{ flex: 1 }} />
        {!open && <Text size="sm" c="dimmed">{t.state === 'done' ? `Done ${dateTime(t.doneAt)}` : 'Cancelled'}</Text>}
        {operate && open && (
          <Button variant="subtle" color="red" leftSection={<IconX size={14} />} loading={busy === 'cancel'} onClick={() => void run('cancel', () => client.call('inventory.transfer.cancel', { id: t.id }), 'Transfer cancelled')}>
            Cancel transfer
          </Button>
        )}
      </Toolbar>
      <div className="bl-page-body">
        <Stack gap="sm">
          <ErrorAlert error={error} onClose={() => setError(null)} />
          <div className="wh-panel">
            <div className="wh-panel-body" style={{ display: 'flex', gap: 32, flexWrap: 'wrap' }}>
              <dl className="wh-kv">
                <dt>Warehouse</dt>
                <dd>{t.warehouseCode}</dd>
                <dt>From</dt>
                <dd className="bl-mono">{t.fromPath}</dd>
                <dt>To</dt>
                <dd className="bl-mono">{t.toPath}</dd>
              </dl>
              <dl className="wh-kv">
                <dt>Scheduled</dt>
                <dd>{dateTime(t.scheduledDate)}</dd>
                <dt>Promised</dt>
                <dd>{dateTime(t.promisedDate)}</dd>
                <dt>Done</dt>
                <dd>{dateTime(t.doneAt)}</dd>
              </dl>
              <dl className="wh-kv">
                <dt>Partner</dt>
                <dd>{t.partnerName ?? '—'}</dd>
                <dt>Origin</dt>
                <dd>{t.origin ?? '—'}</dd>
                <dt>Channel</dt>
                <dd>{t.channelCode ?? '—'} · priority {t.priorityRank}</dd>
              </dl>
              <dl className="wh-kv">
                <dt>Carrier</dt>
                <dd>{t.carrier ?? '—'}</dd>
                <dt>Cut-off</dt>
                <dd>{dateTime(t.carrierCutoff)}</dd>
                <dt>Policy</dt>
                <dd>{t.shippingPolicy === 'all' ? 'Ship when complete' : 'Ship as soon as possible'}</dd>
              </dl>
              <div style={{ flex: 1, minWidth: 240 }}>
                <Text size="xs" c="dimmed" mb={4}>
                  Steps
                </Text>
                <nav className="wh-chain" aria-label="Steps of this flow">
                  {chain.map((s, i) => (
                    <Group key={s.id} gap={4} wrap="nowrap">
                      {i > 0 && <IconArrowRight size={12} color="var(--mantine-color-gray-5)" />}
                      <button type="button" className="wh-chain-step" data-current={s.id === t.id} onClick={() => navigate(`warehouse/transfers/${s.id}`)} aria-label={`${stepLabel(s)} ${s.number} (${STATE_LABELS[s.state]})`}>
                        {stepLabel(s)}
                        <Badge size="xs" color={STATE_COLORS[s.state]}>
                          {STATE_LABELS[s.state]}
                        </Badge>
                      </button>
                    </Group>
                  ))}
                </nav>
                {t.backorderOfId && (
                  <Anchor size="xs" onClick={() => navigate(`warehouse/transfers/${t.backorderOfId}`)}>
                    Backorder of an earlier transfer
                  </Anchor>
                )}
                {t.backorderReason && (
                  <Text size="xs" c="orange.8" mt={4}>
                    {t.backorderReason}
                  </Text>
                )}
              </div>
            </div>
          </div>

          {operate && open && t.state !== 'draft' && <ScanBar ref={scanRef} transfer={t} edits={edits} onScanned={onScanned} />}

          <div className="wh-panel">
            <div className="wh-panel-head">
              Lines
              <div style={{ flex: 1 }} />
              {open && (
                <span data-testid="done-summary" style={{ textTransform: 'none', letterSpacing: 0 }}>
                  {qty(doneUnits)} of {qty(needUnits)} units confirmed
                </span>
              )}
            </div>
            <table className="wh-table" aria-label="Transfer lines">
              <thead>
                <tr>
                  <th style={{ width: 32 }}>#</th>
                  <th>SKU</th>
                  <th>Product</th>
                  <th>Barcode</th>
                  <th>From</th>
                  <th>To</th>
                  <th className="bl-num">Planned</th>
                  <th className="bl-num">Reserved</th>
                  <th className="bl-num" style={{ width: 110 }}>
                    Done
                  </th>
                  {lotsHere && <th style={{ width: 260 }}>Lot / serial numbers</th>}
                  <th>State</th>
                </tr>
              </thead>
              <tbody>
                {t.lines.map((l) => {
                  const e = edits[l.id];
                  const editable = operate && isOpen(l) && t.state !== 'draft';
                  const bins = editable ? locationsWithin(locations, l.toPath) : [];
                  const rowClass = [flash?.lineId === l.id ? 'wh-row-flash' : '', !isOpen(l) ? 'wh-row-done' : ''].join(' ');
                  return (
                    <tr key={flash?.lineId === l.id ? `${l.id}-${flash.seq}` : l.id} className={rowClass} data-testid={`line-${l.sku}`}>
                      <td className="bl-num">{l.lineNo}</td>
                      <td className="bl-mono">{l.sku}</td>
                      <td>{l.productName}</td>
                      <td className="bl-mono">{l.barcode ?? ''}</td>
                      <td className="bl-mono">{l.fromPath}</td>
                      <td className="bl-mono">
                        {bins.length > 1 ? (
                          <Select
                            aria-label={`Destination for ${l.sku}`}
                            size="xs"
                            w={190}
                            searchable
                            data={bins.map((b) => ({ value: b.id, label: b.path }))}
                            value={e?.toLocationId ?? l.toLocationId}
                            onChange={(v) => setEdit(l.id, { toLocationId: v })}
                            comboboxProps={{ withinPortal: true }}
                          />
                        ) : l.state === 'done' && movedTo[l.productId]?.length ? (
                          movedTo[l.productId]!.join(', ')
                        ) : (
                          l.toPath
                        )}
                      </td>
                      <td className="bl-num">
                        {qty(l.quantity)} {l.uomCode}
                      </td>
                      <td className="bl-num">{qty(l.reserved)}</td>
                      <td className="bl-num">
                        {editable ? (
                          <QtyInput
                            aria-label={`Done ${l.sku}`}
                            value={e?.done ?? 0}
                            onChange={(v) => setEdit(l.id, { done: typeof v === 'number' ? v : Number(v) || 0 })}
                            error={lineErrors[l.id] ? true : undefined}
                          />
                        ) : (
                          qty(l.quantityDone)
                        )}
                      </td>
                      {lotsHere && (
                        <td>
                          {editable && l.tracking === 'lot' && (
                            <Group gap={4} wrap="nowrap">
                              <TextInput aria-label={`Lot for ${l.sku}`} placeholder="Lot" size="xs" w={120} value={e?.lotName ?? ''} onChange={(ev) => setEdit(l.id, { lotName: ev.currentTarget.value })} />
                              <TextInput aria-label={`Expiry for ${l.sku}`} placeholder="Expiry YYYY-MM-DD" size="xs" w={130} value={e?.expiryDate ?? ''} onChange={(ev) => setEdit(l.id, { expiryDate: ev.currentTarget.value })} />
                            </Group>
                          )}
                          {editable && l.tracking === 'serial' && (
                            <TagsInput aria-label={`Serial numbers for ${l.sku}`} placeholder="Serial, Enter" size="xs" value={e?.serials ?? []} onChange={(v) => setEdit(l.id, { serials: v, done: v.length })} />
                          )}
                          {lineErrors[l.id] && (
                            <Text size="xs" c="red">
                              {lineErrors[l.id]}
                            </Text>
                          )}
                        </td>
                      )}
                      <td>
                        <Badge color={STATE_COLORS[l.state]} variant="dot">
                          {STATE_LABELS[l.state]}
                        </Badge>
                        {!lotsHere && lineErrors[l.id] && (
                          <Text size="xs" c="red">
                            {lineErrors[l.id]}
                          </Text>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {!open && nextStep && (
            <Group>
              <Button variant="light" rightSection={<IconArrowRight size={14} />} onClick={() => navigate(`warehouse/transfers/${nextStep.id}`)}>
                Open next step: {stepLabel(nextStep)} {nextStep.number}
              </Button>
            </Group>
          )}
        </Stack>
      </div>
      {backorderAsk && (
        <Modal opened onClose={() => setBackorderAsk(null)} title="Not everything is done" size="md">
          <Stack gap="sm">
            <Text size="sm">These lines are short. Create a backorder for what is left, or close the transfer without one (the rest is cancelled and the steps after it shrink)?</Text>
            <SimpleTable<{ sku: string; done: number; need: number }>
              label="Short lines"
              columns={[
                { id: 'sku', label: 'SKU', mono: true, render: (x) => x.sku },
                { id: 'done', label: 'Done', num: true, render: (x) => qty(x.done) },
                { id: 'need', label: 'To do', num: true, render: (x) => qty(x.need) },
                { id: 'left', label: 'Left', num: true, render: (x) => qty(x.need - x.done) },
              ]}
              rows={backorderAsk}
              rowKey={(x) => x.sku}
            />
            <FormActions onCancel={() => setBackorderAsk(null)} cancelLabel="Back">
              <Button variant="light" color="red" onClick={() => void validate(false)}>
                No backorder
              </Button>
              <Button data-autofocus onClick={() => void validate(true)}>
                Create backorder
              </Button>
            </FormActions>
          </Stack>
        </Modal>
      )}
    </div>
  );
}

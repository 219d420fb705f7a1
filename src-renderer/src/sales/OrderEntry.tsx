import { Alert, Badge, Button, Group, Kbd, Select, Text, TextInput, Tooltip } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconDeviceFloppy, IconPlus, IconTrash } from '@tabler/icons-react';
import { Fragment, type KeyboardEvent, memo, useCallback, useEffect, useRef, useState } from 'react';
import { CHANNEL_CODES, type CustomerSummary } from '../../../src-shared/contract/index';
import { navigate } from '../app/router';
import { useSession } from '../app/session';
import { CustomerPicker } from '../partners/CustomerPicker';
import { client, isRpcError, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { GridFooter } from '../ui/GridFooter';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { type EntryLine, type FoundProduct, linesInput, newLine, pickProduct } from './entryLines';
import { CHANNEL_LABELS, type ChannelCode, lineSubtotal, marginOf, money, parsePercent, pct } from './format';
import './sales.css';

/** The editable cells of a row, left to right (Enter moves right; at the end, to the next row). */
const CELLS = ['product', 'qty', 'unit', 'price', 'discount'] as const;
type Cell = (typeof CELLS)[number];

/** performance.measure name the Playwright bench reads: Enter on a SKU → price and availability on screen. */
export const SKU_TO_PRICE = 'order-entry:sku-to-price';

/**
 * Keyboard-first order entry: customer typeahead, then a grid of lines. In the product cell
 * type a SKU, a barcode or part of a name and press Enter; the line shows the price and why,
 * the margin, available-to-promise per warehouse, and substitutes when short. Enter/Tab move
 * right, ↑/↓ move between rows, Ctrl+Enter confirms, Ctrl+S saves a quotation.
 */
export function OrderEntry() {
  const { can } = useSession();
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [channel, setChannel] = useState<ChannelCode>('rep');
  const [customerPo, setCustomerPo] = useState('');
  const [poWarnings, setPoWarnings] = useState<string[]>([]);
  const [requested, setRequested] = useState('');
  const [notes, setNotes] = useState('');
  const [lines, setLines] = useState<EntryLine[]>(() => [newLine()]);
  const [suggest, setSuggest] = useState<{ key: string; rows: FoundProduct[]; text: string; at: number } | null>(null);
  const [uoms, setUoms] = useState<{ id: string; code: string }[]>([]);
  const [substitutesAllowed, setSubstitutesAllowed] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'confirm' | null>(null);
  const cells = useRef(new Map<string, HTMLElement>());
  const customerRef = useRef<HTMLInputElement>(null);
  const infoSeq = useRef(new Map<string, number>());
  const searchSeq = useRef(0);
  const searchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** A line waiting to show its price after Enter on a SKU: the start mark's name. */
  const pendingMark = useRef<{ key: string; start: string } | null>(null);
  const linesRef = useRef(lines);
  linesRef.current = lines;

  useEffect(() => {
    customerRef.current?.focus();
    client.call('catalog.uom.list', {}).then((r) => setUoms(r.uoms.map((u) => ({ id: u.id, code: u.code })))).catch(() => setUoms([]));
    client
      .call('sales.channel.list', {})
      .then((r) => setSubstitutesAllowed(Object.fromEntries(r.rows.map((c) => [c.code, c.substitutesAllowed]))))
      .catch(() => setSubstitutesAllowed({}));
  }, []);

  // The measure closes once the line's price and availability are committed to the screen.
  useEffect(() => {
    const p = pendingMark.current;
    if (!p) return;
    const l = lines.find((x) => x.key === p.key);
    if (!l || l.loading) return;
    pendingMark.current = null;
    if (!l.info) return;
    const end = `${p.start}:shown`;
    performance.mark(end);
    performance.measure(SKU_TO_PRICE, p.start, end);
  }, [lines]);

  const focusCell = useCallback((row: number, cell: Cell) => {
    const key = linesRef.current[row]?.key;
    const el = key ? cells.current.get(`${key}:${cell}`) : undefined;
    if (el) {
      el.focus();
      if (el instanceof HTMLInputElement) el.select();
    }
  }, []);

  const patch = (key: string, p: Partial<EntryLine>) => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...p } : l)));

  /** Asks the engine for price, margin, availability and substitutes of a line (the newest answer wins). */
  const refreshInfo = useCallback(
    async (key: string, next?: Partial<EntryLine>) => {
      const l = { ...linesRef.current.find((x) => x.key === key)!, ...next };
      if (!l.product || !customer) return;
      const q = Number(l.qty);
      if (!/^\d+$/.test(l.qty.trim()) || q < 1) return patch(key, { error: 'Quantity must be a whole number above zero', loading: false });
      const seq = (infoSeq.current.get(key) ?? 0) + 1;
      infoSeq.current.set(key, seq);
      patch(key, { loading: true });
      try {
        const info = await client.call('sales.entry.line', { customerId: customer.id, productId: l.product.id, quantity: q, channelCode: channel, ...(l.uomId && l.uomId !== l.product.uomId ? { uomId: l.uomId } : {}) });
        if (infoSeq.current.get(key) === seq) patch(key, { info, error: null, loading: false });
      } catch (e) {
        if (infoSeq.current.get(key) === seq) patch(key, { info: null, error: messageOf(e), loading: false });
      }
    },
    [customer, channel],
  );

  // A new customer or channel re-prices every line.
  useEffect(() => {
    for (const l of linesRef.current) if (l.product) void refreshInfo(l.key);
  }, [refreshInfo]);

  async function checkPo(po = customerPo) {
    if (!customer || !po.trim()) return setPoWarnings([]);
    try {
      setPoWarnings((await client.call('sales.entry.checkPo', { customerId: customer.id, customerPo: po.trim() })).warnings);
    } catch {
      setPoWarnings([]);
    }
  }
  useEffect(() => {
    void checkPo();
  }, [customer]);

  function onProductTyped(key: string, text: string) {
    patch(key, { text, product: null, info: null, error: null });
    if (searchTimer.current) clearTimeout(searchTimer.current);
    if (!text.trim()) return setSuggest(null);
    searchTimer.current = setTimeout(async () => {
      const mine = ++searchSeq.current;
      try {
        const r = await client.call('catalog.product.search', { query: text.trim().slice(0, 100), limit: 8 });
        if (searchSeq.current === mine) setSuggest({ key, rows: r.rows, text, at: 0 });
      } catch {
        if (searchSeq.current === mine) setSuggest(null);
      }
    }, 90);
  }

  async function choose(row: number, p: FoundProduct) {
    const l = linesRef.current[row]!;
    const product = { id: p.id, sku: p.sku, name: p.name, uomId: p.uomId, uomCode: p.uomCode };
    setSuggest(null);
    patch(l.key, { product, text: p.sku, uomId: p.uomId, error: null });
    focusCell(row, 'qty');
    await refreshInfo(l.key, { product, uomId: p.uomId });
  }

  async function enterProduct(row: number) {
    const l = linesRef.current[row]!;
    const typed = l.text.trim();
    if (!typed) return row > 0 || l.product ? focusCell(row, 'qty') : undefined;
    if (l.product && l.product.sku === typed) return focusCell(row, 'qty');
    const start = `order-entry:${l.key}:${performance.now().toFixed(3)}`;
    performance.mark(start);
    pendingMark.current = { key: l.key, start };
    if (searchTimer.current) clearTimeout(searchTimer.current);
    const highlighted = suggest && suggest.key === l.key && suggest.text === l.text && suggest.at > 0;
    // A whole SKU or barcode (typed or scanned) is priced in one round trip; anything else is searched.
    if (customer && !highlighted && /^[A-Za-z0-9][A-Za-z0-9\-_./]*$/.test(typed) && /^\d+$/.test(l.qty.trim()) && Number(l.qty) >= 1) {
      ++searchSeq.current;
      const seq = (infoSeq.current.get(l.key) ?? 0) + 1;
      infoSeq.current.set(l.key, seq);
      try {
        const info = await client.call('sales.entry.line', { customerId: customer.id, code: typed, quantity: Number(l.qty), channelCode: channel });
        if (infoSeq.current.get(l.key) !== seq) return;
        setSuggest(null);
        const product = { id: info.productId, sku: info.sku, name: info.name, uomId: info.uomId, uomCode: info.uomCode };
        patch(l.key, { product, text: info.sku, uomId: info.uomId, info, error: null, loading: false });
        return focusCell(row, 'qty');
      } catch (e) {
        if (!(isRpcError(e) && e.code === 'NOT_FOUND')) {
          pendingMark.current = null;
          return patch(l.key, { error: messageOf(e) });
        }
      }
    }
    let rows = suggest && suggest.key === l.key && suggest.text === l.text ? suggest.rows : null;
    const at = rows ? suggest!.at : 0;
    if (!rows) {
      ++searchSeq.current;
      try {
        rows = (await client.call('catalog.product.search', { query: typed.slice(0, 100), limit: 8 })).rows;
      } catch (e) {
        pendingMark.current = null;
        return patch(l.key, { error: messageOf(e) });
      }
    }
    const p = pickProduct(typed, rows, at);
    if (!p) {
      pendingMark.current = null;
      setSuggest(null);
      return patch(l.key, { error: `No product matches “${typed}”` });
    }
    await choose(row, p);
  }

  function addRowAfter(row: number) {
    const fresh = newLine();
    setLines((ls) => [...ls.slice(0, row + 1), fresh, ...ls.slice(row + 1)]);
    setTimeout(() => focusCell(row + 1, 'product'), 0);
  }

  function removeRow(row: number) {
    setLines((ls) => (ls.length === 1 ? [newLine()] : ls.filter((_, i) => i !== row)));
    setTimeout(() => focusCell(Math.max(0, row - 1), 'product'), 0);
  }

  function onCellKey(e: KeyboardEvent<HTMLElement>, row: number, cell: Cell) {
    const l = lines[row]!;
    const open = suggest && suggest.key === l.key && cell === 'product' && suggest.rows.length > 0;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : -1;
      return setSuggest({ ...suggest, at: (suggest.at + d + suggest.rows.length) % suggest.rows.length });
    }
    if (e.key === 'Escape' && open) return setSuggest(null);
    if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (cell === 'product') return void enterProduct(row);
      const next = CELLS.indexOf(cell) + 1;
      if (next < CELLS.length) return focusCell(row, CELLS[next]!);
      return row + 1 < lines.length ? focusCell(row + 1, 'product') : addRowAfter(row);
    }
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && cell !== 'unit') {
      e.preventDefault();
      const to = row + (e.key === 'ArrowDown' ? 1 : -1);
      if (to >= 0 && to < lines.length) focusCell(to, cell);
      else if (to === lines.length && l.product) addRowAfter(row);
    }
    if (e.key === 'Delete' && e.ctrlKey) {
      e.preventDefault();
      removeRow(row);
    }
  }

  async function submit(confirm: boolean) {
    if (busy) return;
    setError(null);
    if (!customer) return setError('Choose the customer first');
    const { lines: input, errors } = linesInput(lines);
    if (errors.length) return setError(errors.join('\n'));
    if (input.length === 0) return setError('Add at least one line: type a SKU in the product cell and press Enter');
    setBusy(confirm ? 'confirm' : 'save');
    try {
      const o = await client.call('sales.order.create', {
        customerId: customer.id,
        channelCode: channel,
        customerPo: customerPo.trim() || null,
        requestedDate: requested ? new Date(`${requested}T12:00:00`).toISOString() : null,
        notes: notes.trim() || null,
        lines: input,
        confirm,
      });
      notifications.show({ color: 'teal', title: `${o.number} ${confirm ? (o.state === 'confirmed' ? 'confirmed' : `saved: ${o.state.replace(/_/g, ' ')}`) : 'saved as a quotation'}`, message: o.holdReason ?? `${o.lines.length} lines` });
      for (const w of o.warnings) notifications.show({ color: 'yellow', title: 'Check this order', message: w, autoClose: 10_000 });
      navigate(`orders/${o.id}`);
    } catch (e) {
      setError(messageOf(e));
      setBusy(null);
    }
  }

  useHotkeys(
    [
      ['mod+Enter', () => void submit(true)],
      ['mod+S', () => void submit(false)],
    ],
    [],
  );

  const totals = lines.reduce(
    (s, l) => {
      if (!l.info) return s;
      const price = manualPrice(l) ?? l.info.unitPriceMinor;
      const sub = lineSubtotal(l.info.quantity, price, parsePercent(l.discount) ?? 0);
      return { untaxed: s.untaxed + sub, cost: s.cost + l.info.quantity * l.info.costMinor };
    },
    { untaxed: 0, cost: 0 },
  );
  // Tax, total and the untaxed base from the engine (finance.tax.preview: the customer's fiscal
  // position, tax-included prices, the company's rounding), as the saved order and its invoice
  // will have them; shown once the lines settle.
  const previewKey = JSON.stringify([
    customer?.id ?? null,
    lines.filter((l) => l.info && l.product).map((l) => [l.product!.id, l.info!.quantity, manualPrice(l) ?? l.info!.unitPriceMinor, parsePercent(l.discount) ?? 0]),
  ]);
  const [taxPreview, setTaxPreview] = useState<{ key: string; untaxedMinor: number; taxMinor: number; totalMinor: number } | null>(null);
  useEffect(() => {
    const [customerId, rows] = JSON.parse(previewKey) as [string | null, [string, number, number, number][]];
    if (!customerId || rows.length === 0) return setTaxPreview(null);
    const timer = setTimeout(() => {
      client
        .call('finance.tax.preview', { partnerId: customerId, lines: rows.map(([productId, quantity, unitPriceMinor, discountBp]) => ({ productId, quantity, unitPriceMinor, discountBp })) })
        .then((p) => setTaxPreview({ key: previewKey, ...p }))
        .catch(() => setTaxPreview(null));
    }, 250);
    return () => clearTimeout(timer);
  }, [previewKey]);
  const taxes = taxPreview?.key === previewKey ? taxPreview : null;
  const writable = can('sales.write');
  // Rows are memoized: typing in one line re-renders that line only. They call back through this
  // ref, which always holds this render's handlers.
  const handlers = useRef<RowHandlers>(null as unknown as RowHandlers);
  handlers.current = { onProductTyped, onCellKey, choose, patch, refreshInfo, removeRow, closeSuggest: (key) => setSuggest((x) => (x?.key === key ? null : x)) };

  return (
    <div className="bl-page">
      <PageHeader
        title="New order"
        back={{ to: 'orders', label: 'Back to orders' }}
        actions={
          writable && (
            <Group gap="xs">
              <Button variant="default" leftSection={<IconDeviceFloppy size={14} />} rightSection={<Kbd size="xs">Ctrl S</Kbd>} loading={busy === 'save'} onClick={() => void submit(false)}>
                Save quotation
              </Button>
              <Button leftSection={<IconCheck size={14} />} rightSection={<Kbd size="xs">Ctrl ↵</Kbd>} loading={busy === 'confirm'} onClick={() => void submit(true)}>
                Confirm order
              </Button>
            </Group>
          )
        }
      />
      <Toolbar>
        <CustomerPicker
          ref={customerRef}
          label="Customer"
          w={340}
          value={customer}
          onChange={(c) => {
            setCustomer(c);
            if (c) setTimeout(() => focusCell(0, 'product'), 0);
          }}
        />
        <Select label="Channel" w={180} allowDeselect={false} data={CHANNEL_CODES.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} value={channel} onChange={(v) => v && setChannel(v as ChannelCode)} />
        <TextInput label="Customer PO" w={170} value={customerPo} onChange={(e) => setCustomerPo(e.currentTarget.value)} onBlur={() => void checkPo()} />
        <TextInput label="Requested date" type="date" w={150} value={requested} onChange={(e) => setRequested(e.currentTarget.value)} />
        <TextInput label="Notes" w={240} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
      </Toolbar>
      {customer && (
        <Group gap="lg" px="md" py={4} className="so-customer" data-testid="customer-terms">
          <Badge variant="light">{customer.customerClass.replace('_', ' ')}</Badge>
          <Text size="xs" c="dimmed">
            Terms {customer.paymentTermsDays} days · credit limit {customer.creditLimitMinor === null ? 'none' : money(customer.creditLimitMinor)} · invoiced {customer.invoicePolicy === 'on_order' ? 'on order' : 'on delivery'}
            {customer.region ? ` · region ${customer.region}` : ''}
          </Text>
        </Group>
      )}
      <div style={{ padding: '0 var(--mantine-spacing-md)' }}>
        {poWarnings.map((w) => (
          <Alert key={w} color="yellow" icon={<IconAlertTriangle size={16} />} data-testid="po-warning" my={4} py={6}>
            {w}
          </Alert>
        ))}
        {error && (
          <div style={{ whiteSpace: 'pre-line', margin: '4px 0' }}>
            <ErrorAlert error={error} onClose={() => setError(null)} />
          </div>
        )}
      </div>
      <div className="so-entry-scroll">
        <table className="so-entry" aria-label="Order lines">
          <thead>
            <tr>
              <th style={{ width: 34 }}>#</th>
              <th style={{ width: 260 }}>Product (SKU, name, barcode)</th>
              <th style={{ width: 80 }} className="bl-num">
                Qty
              </th>
              <th style={{ width: 72 }}>Unit</th>
              <th style={{ width: 100 }} className="bl-num">
                Price
              </th>
              <th style={{ width: 70 }} className="bl-num">
                Disc. %
              </th>
              <th style={{ width: 100 }} className="bl-num">
                Amount
              </th>
              <th style={{ width: 70 }} className="bl-num">
                Margin
              </th>
              <th>Available to promise</th>
              <th>Why this price</th>
              <th style={{ width: 34 }} />
            </tr>
          </thead>
          <tbody>
            {lines.map((l, row) => (
              <EntryRow key={l.key} l={l} row={row} suggest={suggest && suggest.key === l.key ? suggest : null} uoms={uoms} substitutesDisallowed={substitutesAllowed[channel] === false} h={handlers} cells={cells} />
            ))}
          </tbody>
        </table>
        <Group px="md" py="xs" gap="xs">
          <Button variant="subtle" size="xs" leftSection={<IconPlus size={12} />} onClick={() => addRowAfter(lines.length - 1)}>
            Add line
          </Button>
        </Group>
      </div>
      <GridFooter
        note={
          <span data-testid="entry-totals">
            Untaxed {money(taxes?.untaxedMinor ?? totals.untaxed)} · margin {pct(marginOf(taxes?.untaxedMinor ?? totals.untaxed, totals.cost))}
            {taxes && (
              <span data-testid="entry-tax">
                {' '}
                · tax {money(taxes.taxMinor)} · total {money(taxes.totalMinor)}
              </span>
            )}
          </span>
        }
        hints={[
          [['↵'], 'next cell'],
          [['↑', '↓'], 'row'],
          [['Ctrl', 'Del'], 'remove line'],
          [['Ctrl', '↵'], 'confirm'],
        ]}
      />
    </div>
  );
}

interface RowHandlers {
  onProductTyped(key: string, text: string): void;
  onCellKey(e: KeyboardEvent<HTMLElement>, row: number, cell: Cell): void;
  choose(row: number, p: FoundProduct): Promise<void>;
  patch(key: string, p: Partial<EntryLine>): void;
  refreshInfo(key: string, next?: Partial<EntryLine>): Promise<void>;
  removeRow(row: number): void;
  closeSuggest(key: string): void;
}

interface RowProps {
  l: EntryLine;
  row: number;
  suggest: { key: string; rows: FoundProduct[]; text: string; at: number } | null;
  uoms: { id: string; code: string }[];
  substitutesDisallowed: boolean;
  h: { current: RowHandlers };
  cells: { current: Map<string, HTMLElement> };
}

/** One line of the grid: its cells, what the engine said about it, and substitutes when short. */
const EntryRow = memo(function EntryRow({ l, row, suggest, uoms, substitutesDisallowed, h, cells }: RowProps) {
  const onProductTyped = (key: string, text: string) => h.current.onProductTyped(key, text);
  const onCellKey = (e: KeyboardEvent<HTMLElement>, r: number, cell: Cell) => h.current.onCellKey(e, r, cell);
  const choose = (r: number, p: FoundProduct) => h.current.choose(r, p);
  const patch = (key: string, p: Partial<EntryLine>) => h.current.patch(key, p);
  const refreshInfo = (key: string, next?: Partial<EntryLine>) => h.current.refreshInfo(key, next);
  const removeRow = (r: number) => h.current.removeRow(r);
  const setSuggest = () => h.current.closeSuggest(l.key);
  const info = l.info;
  const price = info ? (manualPrice(l) ?? info.unitPriceMinor) : null;
  const disc = parsePercent(l.discount) ?? 0;
  const sub = info && price !== null ? lineSubtotal(info.quantity, price, disc) : null;
  const margin = info && sub !== null ? marginOf(sub, info.quantity * info.costMinor) : null;
  const ref = (cell: Cell) => (el: HTMLElement | null) => {
    if (el) cells.current.set(`${l.key}:${cell}`, el);
    else cells.current.delete(`${l.key}:${cell}`);
  };
  const showSuggest = suggest && !l.product && suggest.rows.length > 0;
  return (
    <Fragment key={l.key}>
      <tr data-testid={`entry-line-${row + 1}`} className={info?.short ? 'so-short' : undefined}>
        <td className="bl-num so-muted">{row + 1}</td>
        <td style={{ position: 'relative' }}>
          <input
            ref={ref('product')}
            className="so-cell"
            role="combobox"
            aria-expanded={!!showSuggest}
            aria-label={`Product, line ${row + 1}`}
            value={l.text}
            placeholder="SKU, name or barcode ↵"
            autoComplete="off"
            onChange={(e) => onProductTyped(l.key, e.currentTarget.value)}
            onKeyDown={(e) => onCellKey(e, row, 'product')}
            onBlur={() => setTimeout(setSuggest, 150)}
          />
          {l.product && (
            <div className="so-sub" title={l.product.name}>
              {l.product.name}
            </div>
          )}
          {showSuggest && (
            <div className="so-suggest" role="listbox" aria-label={`Products matching ${l.text}`}>
              {suggest.rows.map((p, i) => (
                <div
                  key={p.id}
                  role="option"
                  aria-selected={i === suggest.at}
                  className="so-option"
                  onMouseDown={(e) => {
                    e.preventDefault();
                    void choose(row, p);
                  }}
                >
                  <span className="bl-mono">{p.sku}</span> <span>{p.name}</span>
                </div>
              ))}
            </div>
          )}
        </td>
        <td>
          <input
            ref={ref('qty')}
            className="so-cell bl-num"
            aria-label={`Quantity, line ${row + 1}`}
            inputMode="numeric"
            value={l.qty}
            onChange={(e) => {
              const qty = e.currentTarget.value;
              patch(l.key, { qty });
              void refreshInfo(l.key, { qty });
            }}
            onKeyDown={(e) => onCellKey(e, row, 'qty')}
          />
        </td>
        <td>
          <select
            ref={ref('unit')}
            className="so-cell"
            aria-label={`Unit, line ${row + 1}`}
            value={l.uomId ?? ''}
            disabled={!l.product}
            onChange={(e) => {
              const uomId = e.currentTarget.value;
              patch(l.key, { uomId });
              void refreshInfo(l.key, { uomId });
            }}
            onKeyDown={(e) => onCellKey(e, row, 'unit')}
          >
            {!l.product && <option value="">—</option>}
            {uoms.map((u) => (
              <option key={u.id} value={u.id}>
                {u.code}
              </option>
            ))}
          </select>
        </td>
        <td>
          <input
            ref={ref('price')}
            className="so-cell bl-num"
            aria-label={`Price, line ${row + 1}`}
            data-testid={`price-${row + 1}`}
            placeholder={info ? money(info.unitPriceMinor) : ''}
            value={l.price}
            onChange={(e) => patch(l.key, { price: e.currentTarget.value })}
            onKeyDown={(e) => onCellKey(e, row, 'price')}
          />
        </td>
        <td>
          <input
            ref={ref('discount')}
            className="so-cell bl-num"
            aria-label={`Discount %, line ${row + 1}`}
            value={l.discount}
            placeholder="0"
            onChange={(e) => patch(l.key, { discount: e.currentTarget.value })}
            onKeyDown={(e) => onCellKey(e, row, 'discount')}
          />
        </td>
        <td className="bl-num" data-testid={`amount-${row + 1}`}>
          {sub === null ? '' : money(sub)}
        </td>
        <td className={`bl-num ${margin !== null && margin < 1000 ? 'so-bad' : ''}`} data-testid={`margin-${row + 1}`}>
          {info ? pct(margin) : ''}
        </td>
        <td data-testid={`atp-${row + 1}`}>
          {l.loading && !info ? <span className="so-muted">…</span> : null}
          {info && (
            <span className={info.short ? 'so-bad' : undefined}>
              {info.byWarehouse.length === 0 ? 'none in stock' : info.byWarehouse.map((w) => `${w.code} ${w.available.toLocaleString('en-US')}`).join(' · ')}
              {info.short ? ` — short by ${(info.quantity - Math.max(0, info.available)).toLocaleString('en-US')}` : ''}
            </span>
          )}
        </td>
        <td className="so-why" data-testid={`why-${row + 1}`}>
          {l.error ? (
            <span className="so-bad" role="alert">
              {l.error}
            </span>
          ) : info ? (
            <Tooltip label={`List ${money(info.listPriceMinor)} · cost ${money(info.costMinor)}`}>
              <span>{l.price.trim() ? 'Manual price' : info.reason}</span>
            </Tooltip>
          ) : null}
        </td>
        <td>
          <button type="button" className="so-icon" aria-label={`Remove line ${row + 1}`} tabIndex={-1} onClick={() => removeRow(row)}>
            <IconTrash size={13} />
          </button>
        </td>
      </tr>
      {info?.short && info.substitutes.length > 0 && (
        <tr className="so-subs" data-testid={`substitutes-${row + 1}`}>
          <td />
          <td colSpan={10}>
            <span className="so-muted">{substitutesDisallowed ? 'Substitutes (this channel does not allow them without the customer’s consent): ' : 'Substitutes in stock: '}</span>
            {info.substitutes.map((s) => (
              <button
                key={s.productId}
                type="button"
                className="so-chip"
                onClick={async () => {
                  const found = (await client.call('catalog.product.search', { query: s.sku, limit: 3 })).rows.find((p) => p.id === s.productId);
                  if (found) await choose(row, found);
                }}
              >
                <span className="bl-mono">{s.sku}</span> {s.name} · {s.available.toLocaleString('en-US')} free · {money(s.unitPriceMinor)}
              </button>
            ))}
          </td>
        </tr>
      )}
    </Fragment>
  );
});

function manualPrice(l: EntryLine): number | null {
  if (!l.price.trim()) return null;
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(l.price.trim().replace(/,/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

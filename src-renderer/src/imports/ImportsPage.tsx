import { Badge, Button, Group, Progress, Select, Text, TextInput } from '@mantine/core';
import { useRef, useState } from 'react';
import type { InputOf, OutputOf } from '../../../src-shared/contract/index';
import { runImport } from '../../../src-shared/import-driver';
import { CHANNEL_CODES } from '../../../src-shared/contract/pricing';
import { MAX_PAYLOAD_BYTES } from '../../../src-shared/rpc';
import { useSession } from '../app/session';
import { client, messageOf } from '../rpc';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';

type Report = OutputOf<'imports.get'>;
type Row = Report['orders'][number];

const STATUS_COLOR: Record<Row['status'], string> = { accepted: 'green', held: 'yellow', rejected: 'red', duplicate: 'gray', pending: 'blue', cancelled: 'gray' };

/** Reads a picked file as the stage command wants it: text, or base64 for a workbook. */
export async function readFile(file: File): Promise<{ content: string; encoding: 'text' | 'base64' }> {
  if (/\.xlsx$/i.test(file.name)) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { content: btoa(bin), encoding: 'base64' };
  }
  return { content: await file.text(), encoding: 'text' };
}

/**
 * Imports an order file (CSV, XLSX, JSON) or EDI X12 850 into the order pipeline: stage, then
 * apply chunk by chunk with a progress bar (Cancel stops between chunks; applied orders stay),
 * then the report; an order held for an unknown item code is mapped to a product right here.
 */
export function ImportsPage() {
  const { can } = useSession();
  const [kind, setKind] = useState<'orders' | 'edi'>('orders');
  const [channel, setChannel] = useState<string>('marketplace');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mapping, setMapping] = useState<{ sku: string; product: string } | null>(null);
  const cancel = useRef<AbortController | null>(null);

  async function run() {
    if (!file) return;
    setError(null);
    setReport(null);
    setBusy(true);
    cancel.current = new AbortController();
    try {
      const { content, encoding } = await readFile(file);
      if (content.length > MAX_PAYLOAD_BYTES - 4096) throw new Error(`${file.name} is larger than this screen can send (${Math.floor(MAX_PAYLOAD_BYTES / 1000)} kB); import it with the command line: branchline import ${kind === 'edi' ? 'edi' : 'orders'} FILE`);
      // The same driver as the CLI: each chunk at once, again order by order when one of its orders is refused.
      const call = ((method: string, input: unknown) => client.call(method as 'imports.get', input as InputOf<'imports.get'>)) as Parameters<typeof runImport>[0];
      const input = { kind, channelCode: kind === 'edi' ? 'edi' : (channel as (typeof CHANNEL_CODES)[number]), fileName: file.name, content, encoding } as const;
      const r = await runImport(call, input, { chunk: 100, signal: cancel.current.signal, reportRows: 1000, onProgress: (done, total) => setProgress({ done, total }) });
      setReport(r.duplicateOfBatchId ? { ...(await client.call('imports.get', { batchId: r.batch.id, limit: 1000 })), duplicateOfBatchId: r.duplicateOfBatchId } : r);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function mapSku() {
    if (!report || !mapping) return;
    setError(null);
    try {
      const found = await client.call('catalog.product.search', { query: mapping.product.trim().slice(0, 100), limit: 1 });
      const product = found.rows[0];
      if (!product) throw new Error(`No product matches "${mapping.product}"`);
      await client.call('imports.sku.map', { batchId: report.batch.id, externalSku: mapping.sku, productId: product.id, forCustomerOnly: true });
      setReport(await client.call('imports.get', { batchId: report.batch.id, limit: 1000 }));
      setMapping(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  const c = report?.batch.counts;
  return (
    <div className="bl-page">
      <PageHeader title="Import orders" />
      <Toolbar>
        <Select aria-label="What to import" w={170} value={kind} onChange={(v) => setKind((v as 'orders' | 'edi') ?? 'orders')} data={[{ value: 'orders', label: 'Order file' }, { value: 'edi', label: 'EDI X12 850' }]} allowDeselect={false} />
        {kind === 'orders' && <Select aria-label="Channel" w={170} value={channel} onChange={(v) => setChannel(v ?? 'marketplace')} data={CHANNEL_CODES.filter((x) => x !== 'edi').map((x) => ({ value: x, label: x }))} allowDeselect={false} />}
        <input aria-label="File" type="file" accept={kind === 'edi' ? '.edi,.x12,.txt' : '.csv,.txt,.xlsx,.json'} data-testid="import-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <Button onClick={() => void run()} disabled={!file || busy || !can('sales.write')} data-testid="import-run">
          Import
        </Button>
        {busy && (
          <Button variant="default" onClick={() => cancel.current?.abort()} data-testid="import-cancel">
            Cancel
          </Button>
        )}
      </Toolbar>
      {progress && busy && <Progress aria-label="Import progress" value={progress.total ? (100 * progress.done) / progress.total : 0} mb="sm" />}
      <ErrorAlert error={error} />
      {report && c && (
        <div className="so-panel">
          <Text data-testid="import-summary" mb="xs">
            {report.duplicateOfBatchId
              ? `${report.batch.fileName} was imported before: nothing imported again.`
              : `${report.batch.fileName}: ${report.batch.total} orders — ${c.accepted} accepted, ${c.held} held, ${c.rejected} rejected, ${c.duplicate} duplicate${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`}
          </Text>
          <SimpleTable<Row>
            label="Import report"
            rows={report.orders}
            rowKey={(r) => r.id}
            rowTestId={(r) => `import-row-${r.ref}`}
            columns={[
              { id: 'ref', label: 'Order', mono: true, render: (r) => r.ref },
              { id: 'source', label: 'Where', render: (r) => r.source },
              { id: 'status', label: 'Result', render: (r) => <Badge color={STATUS_COLOR[r.status]}>{r.status}{r.holdKind ? `: ${r.holdKind.replace('_', ' ')}` : ''}</Badge> },
              { id: 'order', label: 'Sales order', mono: true, render: (r) => r.orderNumber ?? '' },
              {
                id: 'message',
                label: 'Details',
                render: (r) => (
                  <div>
                    <Text size="sm">{r.message}</Text>
                    {r.errors.slice(0, 5).map((e, i) => (
                      <Text size="xs" c="red" key={i}>
                        {e.location}: {e.message}
                      </Text>
                    ))}
                    {r.unmapped.map((u) => (
                      <Group key={u.lineNo} gap="xs">
                        <Text size="xs">
                          Line {u.lineNo}: unknown item {u.sku} × {u.quantity}
                        </Text>
                        <Button size="compact-xs" variant="light" onClick={() => setMapping({ sku: u.sku, product: '' })} data-testid={`map-${u.sku}`}>
                          Map…
                        </Button>
                      </Group>
                    ))}
                  </div>
                ),
              },
            ]}
          />
          {mapping && (
            <Group mt="sm">
              <Text size="sm">Map {mapping.sku} to</Text>
              <TextInput aria-label="Product SKU or name" placeholder="SKU, barcode or name" value={mapping.product} onChange={(e) => setMapping({ ...mapping, product: e.currentTarget.value })} onKeyDown={(e) => e.key === 'Enter' && void mapSku()} autoFocus />
              <Button onClick={() => void mapSku()} data-testid="map-save">
                Map and import
              </Button>
            </Group>
          )}
        </div>
      )}
    </div>
  );
}

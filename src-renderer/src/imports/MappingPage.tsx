import { Badge, Button, Checkbox, FileInput, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { IMPORT_FIELDS, type ImportField } from '../../../src-shared/contract/imports';
import { CHANNEL_CODES } from '../../../src-shared/contract/pricing';
import { useSession } from '../app/session';
import { parseMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { CHANNEL_LABELS } from '../sales/format';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { readFile } from './ImportsPage';

type Channel = (typeof CHANNEL_CODES)[number];
type Preview = OutputOf<'imports.mapping.preview'>;
const DELIMITERS = [
  { value: ',', label: 'Comma ,' },
  { value: ';', label: 'Semicolon ;' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe |' },
] as const;
const FIELD_LABEL: Record<ImportField, string> = {
  orderId: 'Order id (groups rows into orders)',
  customerCode: 'Customer code',
  customerEmail: 'Customer e-mail',
  customerName: 'Customer name',
  customerPo: 'Customer PO',
  sku: 'SKU',
  quantity: 'Quantity',
  unit: 'Unit',
  unitPrice: 'Unit price',
  orderDate: 'Order date',
  requestedDate: 'Requested date',
  notes: 'Notes',
};
/** CSV headers are on the first line: the first 64 kB of a big file are plenty to preview. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * A channel's column mapping for CSV/XLSX order files: pick the channel, upload a sample file
 * to see its headers and first rows (the engine reads it as the import will), choose the
 * column of each field, the delimiter, the price tolerance and whether orders arrive paid; save.
 */
export function MappingPage() {
  const { can } = useSession();
  const mayEdit = can('sales.config');
  const [channel, setChannel] = useState<Channel>('marketplace');
  const [fields, setFields] = useState<Partial<Record<ImportField, string>>>({});
  const [delimiter, setDelimiter] = useState<string>(',');
  const [tolerance, setTolerance] = useState('1');
  const [paid, setPaid] = useState(false);
  const [saved, setSaved] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    client
      .call('imports.mapping.get', { channelCode: channel })
      .then((m) => {
        if (!live) return;
        setFields(m.fields);
        setDelimiter(m.delimiter);
        setTolerance((m.priceToleranceBp / 100).toString());
        setPaid(m.paid);
        setSaved(m.saved);
      })
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, [channel]);

  useEffect(() => {
    if (!file) return;
    let live = true;
    (async () => {
      try {
        const read = await readFile(file);
        let content = read.content;
        if (read.encoding === 'text' && content.length > SAMPLE_BYTES) content = content.slice(0, content.lastIndexOf('\n', SAMPLE_BYTES) + 1 || SAMPLE_BYTES);
        const p = await client.call('imports.mapping.preview', { channelCode: channel, fileName: file.name, content, encoding: read.encoding, delimiter: delimiter as ',' });
        if (!live) return;
        setPreview(p);
        setError(null);
        // Fields the mapping does not place yet take a header that matches them by name.
        setFields((f) => ({ ...p.matched, ...Object.fromEntries(Object.entries(f).filter(([, col]) => p.headers.includes(col as string))) }));
      } catch (e) {
        if (live) setError(messageOf(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [file, delimiter, channel]);

  async function save() {
    setError(null);
    try {
      const t = parseMoney(tolerance);
      if (!t.ok) throw new Error(`Price tolerance: ${t.message.replace('Enter an amount', 'Enter a percentage')}`);
      const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v)) as Partial<Record<ImportField, string>>;
      const m = await client.call('imports.mapping.set', { channelCode: channel, fields: clean, delimiter: delimiter as ',', priceToleranceBp: t.minor, paid });
      setSaved(m.saved);
      notifications.show({ color: 'green', message: `Saved the ${CHANNEL_LABELS[channel]} column mapping` });
    } catch (e) {
      setError(messageOf(e));
    }
  }

  const headers = preview?.headers ?? [];
  const options = (current: string | undefined) => [...new Set([...headers, ...(current ? [current] : [])])];

  return (
    <div className="bl-page">
      <PageHeader title="Import column mapping" />
      <Toolbar>
        <Select label="Channel" w={220} allowDeselect={false} data={CHANNEL_CODES.filter((c) => c !== 'edi').map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))} value={channel} onChange={(c) => c && setChannel(c as Channel)} />
        <FileInput label="Sample file" placeholder="CSV or XLSX" accept=".csv,.txt,.tsv,.xlsx" w={260} value={file} onChange={setFile} clearable />
        <Select label="Delimiter" w={150} allowDeselect={false} data={DELIMITERS.map((d) => ({ ...d }))} value={delimiter} onChange={(d) => d && setDelimiter(d)} />
        {saved ? <Badge variant="light">saved mapping</Badge> : <Badge color="gray" variant="light">default mapping</Badge>}
      </Toolbar>
      <ErrorAlert error={error} />
      <Group align="flex-start" p="md" gap="xl" wrap="nowrap">
        <Stack gap={6} w={420}>
          <Title order={4}>Fields</Title>
          {IMPORT_FIELDS.map((f) => (
            <Select
              key={f}
              label={FIELD_LABEL[f]}
              placeholder={headers.length ? 'Not in the file' : 'Upload a sample to pick a column'}
              data={options(fields[f])}
              value={fields[f] ?? null}
              clearable
              searchable
              disabled={!mayEdit}
              onChange={(v) => setFields({ ...fields, [f]: v ?? undefined })}
              size="xs"
            />
          ))}
          <TextInput label="Price tolerance (%)" size="xs" value={tolerance} onChange={(e) => setTolerance(e.currentTarget.value)} disabled={!mayEdit} />
          <Checkbox label="Orders of this channel arrive paid" checked={paid} onChange={(e) => setPaid(e.currentTarget.checked)} disabled={!mayEdit} />
          <Group>
            <Button onClick={() => void save()} disabled={!mayEdit}>
              Save mapping
            </Button>
          </Group>
        </Stack>
        <Stack gap={6} style={{ flex: 1, minWidth: 0, overflowX: 'auto' }}>
          <Title order={4}>Sample</Title>
          {preview ? (
            <SimpleTable<string[]>
              label="Sample rows"
              rows={preview.rows}
              rowKey={(_, i) => String(i)}
              empty="The file has a header and no rows"
              columns={preview.headers.map((h, i) => ({
                id: `${i}`,
                label: (
                  <span>
                    {h}
                    {Object.entries(fields).some(([, c]) => c === h) && (
                      <Text span size="xs" c="blue" ml={4}>
                        → {Object.entries(fields).filter(([, c]) => c === h).map(([k]) => FIELD_LABEL[k as ImportField].split(' (')[0]).join(', ')}
                      </Text>
                    )}
                  </span>
                ),
                render: (r: string[]) => r[i] ?? '',
              }))}
            />
          ) : (
            <Text size="sm" c="dimmed">
              Upload a sample file of this channel to see its headers and first rows.
            </Text>
          )}
        </Stack>
      </Group>
    </div>
  );
}

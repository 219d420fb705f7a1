import { Alert, Badge, Group, Pagination, Select, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { METHOD_NAMES, contract } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { PageHeader, Toolbar } from '../ui/PageHeader';
import { usePagedQuery } from '../ui/usePagedQuery';

const PAGE_SIZES = ['25', '50', '100', '200'];
const COMMANDS = METHOD_NAMES.filter((m) => contract[m].kind === 'command');

/** The audit log, newest first, paged by the engine. */
export function AuditPage() {
  const [pageSize, setPageSize] = useState('50');
  const [method, setMethod] = useState<string | null>(null);
  const limit = Number(pageSize);
  const audit = usePagedQuery((offset, limit) => client.call('system.audit.list', { offset, limit, ...(method ? { method } : {}) }), [method, limit], limit);
  const { data, error, page, setPage } = audit;

  const pages = data ? Math.max(1, Math.ceil(data.total / limit)) : 1;
  const rows = data?.rows ?? [];

  return (
    <div className="bl-page">
      <PageHeader title="Audit log" count={{ total: data?.total, one: 'entry', many: 'entries' }} />
      <Toolbar>
        <Select label="Command" placeholder="All commands" clearable allowDeselect searchable w={260} data={COMMANDS} value={method} onChange={setMethod} />
        <Select label="Rows per page" w={110} data={PAGE_SIZES} value={pageSize} onChange={(v) => v && setPageSize(v)} />
        <div style={{ flex: 1 }} />
        <Pagination size="sm" total={pages} value={page} onChange={setPage} withEdges aria-label="Audit log pages" />
      </Toolbar>
      <div className="bl-page-body">
        {error && (
          <Alert color="red" mb="sm">
            {error}
          </Alert>
        )}
        <Table className="bl-table" highlightOnHover stickyHeader aria-label="Audit log">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={90} ta="right">
                Mutation
              </Table.Th>
              <Table.Th w={170}>When</Table.Th>
              <Table.Th w={120}>User</Table.Th>
              <Table.Th w={220}>Command</Table.Th>
              <Table.Th>Summary</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td ta="right" className="bl-num bl-mono">
                  {r.mutationId}
                </Table.Td>
                <Table.Td className="bl-mono">{r.at.slice(0, 19).replace('T', ' ')}</Table.Td>
                <Table.Td>{r.username ?? <Text span c="dimmed" size="sm">system</Text>}</Table.Td>
                <Table.Td>
                  <Badge color="gray" variant="light" tt="none" className="bl-mono">
                    {r.method}
                  </Badge>
                </Table.Td>
                <Table.Td>{r.summary}</Table.Td>
              </Table.Tr>
            ))}
            {data && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" size="sm" ta="center" py="md">
                    Nothing logged here
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
        {data && (
          <Group justify="space-between" mt="xs">
            <Text size="xs" c="dimmed">
              {data.total === 0 ? 'No entries' : `Entries ${(data.offset + 1).toLocaleString('en-US')}–${(data.offset + data.rows.length).toLocaleString('en-US')} of ${data.total.toLocaleString('en-US')}`}
            </Text>
          </Group>
        )}
      </div>
    </div>
  );
}

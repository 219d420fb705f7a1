import { Alert, Badge, Button, Card, Group, PasswordInput, Stack, Table, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { Brand } from './Brand';
import type { Session, SystemStatus } from './session';

export function LoginScreen({ status, notice, onLoggedIn }: { status: SystemStatus; notice?: string; onLoggedIn(session: Session): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: (values) => schemaErrors(contract['auth.login'].input, values),
  });

  const submit = form.onSubmit(async (values) => {
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await client.call('auth.login', values));
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  });

  return (
    <div className="bl-firstrun">
      <Stack w="100%" maw={status.demo ? 820 : 380} gap="md">
        <Group justify="space-between" align="flex-end">
          <Brand size="lg" />
          <Text size="sm" c="dimmed">
            {status.companyName} · {status.branchCode} {status.branchName}
          </Text>
        </Group>
        {notice && (
          <Alert color="indigo" icon={<IconInfoCircle size={18} />}>
            {notice}
          </Alert>
        )}
        <Group align="stretch" gap="md" wrap="nowrap">
          <Card withBorder padding="lg" radius="md" w={380} style={{ flexShrink: 0 }}>
            <form onSubmit={submit} noValidate>
              <Stack gap="sm">
                <Title order={2}>Log in</Title>
                {error && <Alert color="red">{error}</Alert>}
                <TextInput label="User name" autoComplete="username" autoFocus {...form.getInputProps('username')} />
                <PasswordInput label="Password" autoComplete="current-password" {...form.getInputProps('password')} />
                <Button type="submit" size="sm" loading={busy} mt="xs">
                  Log in
                </Button>
              </Stack>
            </form>
          </Card>
          {status.demo && status.demoLogins.length > 0 && (
            <Card withBorder padding="lg" radius="md" style={{ flex: 1 }}>
              <Stack gap="xs">
                <Group justify="space-between">
                  <Title order={3}>Demo logins</Title>
                  <Badge color="orange">Demo company</Badge>
                </Group>
                <Text size="xs" c="dimmed">
                  Pick a user to fill in the form. These logins exist only in the demo company.
                </Text>
                <Table className="bl-table" highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>User name</Table.Th>
                      <Table.Th>Password</Table.Th>
                      <Table.Th>Roles</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {status.demoLogins.map((l) => (
                      <Table.Tr key={l.username}>
                        <Table.Td>
                          <UnstyledButton
                            fz="sm"
                            fw={600}
                            c="indigo.7"
                            aria-label={`Use demo login ${l.username}`}
                            onClick={() => form.setValues({ username: l.username, password: l.password })}
                          >
                            {l.username}
                          </UnstyledButton>
                        </Table.Td>
                        <Table.Td className="bl-mono">{l.password}</Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {l.roles.map((r) => (
                              <Badge key={r} variant="outline" color="gray">
                                {r}
                              </Badge>
                            ))}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            </Card>
          )}
        </Group>
      </Stack>
    </div>
  );
}

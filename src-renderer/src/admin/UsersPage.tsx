import { ActionIcon, Alert, Badge, Button, Checkbox, Group, Menu, Modal, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDots, IconKey, IconPlus, IconShieldCheck, IconUserCheck, IconUserOff } from '@tabler/icons-react';
import { useState } from 'react';
import { type OutputOf, contract } from '../../../src-shared/contract/index';
import { ROLES, ROLE_PERMISSIONS, type Role } from '../../../src-shared/permissions';
import { useSession } from '../app/session';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { FormActions } from '../ui/FormActions';
import { useEngineQuery } from '../ui/useEngineQuery';
import { PageHeader } from '../ui/PageHeader';

type User = OutputOf<'users.list'>['rows'][number];
type Dialog = { kind: 'create' } | { kind: 'roles'; user: User } | { kind: 'password'; user: User } | null;

const ROLE_HINT: Record<Role, string> = {
  clerk: 'Takes orders, manages customers',
  warehouse: 'Receives, picks and counts stock',
  buyer: 'Buys from vendors, maintains the catalog',
  finance: 'Invoices, payments and the books',
  admin: 'Everything, including users and the audit log',
};

export function UsersPage() {
  const { can, session } = useSession();
  const writable = can('users.write');
  const { data, error, reload } = useEngineQuery(() => client.call('users.list', {}), []);
  const users = data?.rows ?? [];
  const [dialog, setDialog] = useState<Dialog>(null);

  async function setActive(user: User, active: boolean) {
    try {
      await client.call('users.setActive', { id: user.id, active });
      notifications.show({ color: active ? 'teal' : 'gray', title: active ? 'User reactivated' : 'User deactivated', message: user.username });
      void reload();
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not changed', message: messageOf(e) });
    }
  }

  return (
    <div className="bl-page">
      <PageHeader
        title="Users"
        actions={
          writable && (
            <Button leftSection={<IconPlus size={14} />} onClick={() => setDialog({ kind: 'create' })}>
              New user
            </Button>
          )
        }
      >
        <Text size="sm" c="dimmed">
          {users.length} users · {users.filter((u) => u.active).length} active
        </Text>
      </PageHeader>
      <div className="bl-page-body">
        {error && (
          <Alert color="red" mb="sm">
            {error}
          </Alert>
        )}
        <Table className="bl-table" highlightOnHover aria-label="Users" maw={1000}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User name</Table.Th>
              <Table.Th>Display name</Table.Th>
              <Table.Th>Roles</Table.Th>
              <Table.Th>Status</Table.Th>
              {writable && <Table.Th w={48} aria-label="Actions" />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id} c={u.active ? undefined : 'dimmed'}>
                <Table.Td className="bl-mono" fw={600}>
                  {u.username}
                  {u.id === session.user.id && (
                    <Badge ml={6} color="indigo" variant="outline">
                      you
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{u.displayName}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {u.roles.map((r) => (
                      <Badge key={r} color={r === 'admin' ? 'grape' : 'indigo'}>
                        {r}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {u.active ? (
                    <Badge color="teal" variant="dot">
                      Active
                    </Badge>
                  ) : (
                    <Badge color="gray" variant="dot">
                      Deactivated
                    </Badge>
                  )}
                </Table.Td>
                {writable && (
                  <Table.Td>
                    <Menu position="bottom-end" shadow="md" width={200}>
                      <Menu.Target>
                        <ActionIcon aria-label={`Actions for ${u.username}`}>
                          <IconDots size={16} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item leftSection={<IconShieldCheck size={14} />} onClick={() => setDialog({ kind: 'roles', user: u })}>
                          Change roles
                        </Menu.Item>
                        <Menu.Item leftSection={<IconKey size={14} />} onClick={() => setDialog({ kind: 'password', user: u })}>
                          Set password
                        </Menu.Item>
                        <Menu.Divider />
                        {u.active ? (
                          <Menu.Item color="red" leftSection={<IconUserOff size={14} />} disabled={u.id === session.user.id} onClick={() => void setActive(u, false)}>
                            Deactivate
                          </Menu.Item>
                        ) : (
                          <Menu.Item leftSection={<IconUserCheck size={14} />} onClick={() => void setActive(u, true)}>
                            Reactivate
                          </Menu.Item>
                        )}
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      {dialog?.kind === 'create' && <CreateUser onClose={() => setDialog(null)} onDone={() => (setDialog(null), void reload())} />}
      {dialog?.kind === 'roles' && <ChangeRoles user={dialog.user} onClose={() => setDialog(null)} onDone={() => (setDialog(null), void reload())} />}
      {dialog?.kind === 'password' && <SetPassword user={dialog.user} onClose={() => setDialog(null)} />}
    </div>
  );
}

function RolePicker({ value, onChange, error }: { value: Role[]; onChange(v: Role[]): void; error?: React.ReactNode }) {
  return (
    <Checkbox.Group label="Roles" required value={value} onChange={(v) => onChange(v as Role[])} error={error}>
      <Stack gap={6} mt={6}>
        {ROLES.map((r) => (
          <Checkbox
            key={r}
            value={r}
            label={
              <Text size="sm" span>
                <Text span fw={600} size="sm">
                  {r}
                </Text>{' '}
                <Text span c="dimmed" size="xs">
                  — {ROLE_HINT[r]} ({ROLE_PERMISSIONS[r].length} permissions)
                </Text>
              </Text>
            }
            aria-label={`Role ${r}`}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

function CreateUser({ onClose, onDone }: { onClose(): void; onDone(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { username: '', displayName: '', password: '', roles: ['clerk'] as Role[] },
    validate: (v) => schemaErrors(contract['users.create'].input, v),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      const u = await client.call('users.create', values);
      notifications.show({ color: 'teal', title: 'User created', message: `${u.username} (${u.roles.join(', ')})` });
      onDone();
    } catch (e) {
      setFormError(applyServerError(form, e, ['username', 'displayName', 'password', 'roles']));
      setSaving(false);
    }
  });
  return (
    <Modal opened onClose={onClose} title={<Text span fw={600}>New user</Text>} size="md">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="New user">
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <Group grow align="flex-start">
            <TextInput label="User name" required data-autofocus autoComplete="off" {...form.getInputProps('username')} />
            <TextInput label="Display name" required {...form.getInputProps('displayName')} />
          </Group>
          <PasswordInput label="Password" description="At least 8 characters" required autoComplete="new-password" {...form.getInputProps('password')} />
          <RolePicker value={form.values.roles} onChange={(v) => form.setFieldValue('roles', v)} error={form.errors.roles} />
          <FormActions onCancel={onClose} submitLabel="Create user" saving={saving} />
        </Stack>
      </form>
    </Modal>
  );
}

function ChangeRoles({ user, onClose, onDone }: { user: User; onClose(): void; onDone(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { roles: [...user.roles] as Role[] },
    validate: (v) => schemaErrors(contract['users.setRoles'].input, { id: user.id, ...v }),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      await client.call('users.setRoles', { id: user.id, roles: values.roles });
      notifications.show({ color: 'teal', title: 'Roles changed', message: `${user.username}: ${values.roles.join(', ')}` });
      onDone();
    } catch (e) {
      setFormError(applyServerError(form, e, ['roles']));
      setSaving(false);
    }
  });
  return (
    <Modal opened onClose={onClose} title={<Text span fw={600}>Roles of {user.username}</Text>} size="md">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label={`Roles of ${user.username}`}>
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <RolePicker value={form.values.roles} onChange={(v) => form.setFieldValue('roles', v)} error={form.errors.roles} />
          <FormActions onCancel={onClose} submitLabel="Save roles" saving={saving} />
        </Stack>
      </form>
    </Modal>
  );
}

function SetPassword({ user, onClose }: { user: User; onClose(): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { password: '' },
    validate: (v) => schemaErrors(contract['users.setPassword'].input, { id: user.id, ...v }),
  });
  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    try {
      await client.call('users.setPassword', { id: user.id, password: values.password });
      notifications.show({ color: 'teal', title: 'Password set', message: user.username });
      onClose();
    } catch (e) {
      setFormError(applyServerError(form, e, ['password']));
      setSaving(false);
    }
  });
  return (
    <Modal opened onClose={onClose} title={<Text span fw={600}>New password for {user.username}</Text>} size="sm">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate>
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <PasswordInput label="New password" description="At least 8 characters" required data-autofocus autoComplete="new-password" {...form.getInputProps('password')} />
          <FormActions onCancel={onClose} submitLabel="Set password" saving={saving} />
        </Stack>
      </form>
    </Modal>
  );
}

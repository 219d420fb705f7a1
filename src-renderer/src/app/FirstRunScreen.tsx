import { Alert, Button, Card, Group, List, PasswordInput, Progress, SimpleGrid, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { IconArrowLeft, IconBuildingWarehouse, IconDatabaseImport } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { Brand } from './Brand';

const SETUP_FIELDS = ['companyName', 'branchCode', 'branchName', 'adminUsername', 'adminDisplayName', 'adminPassword', 'confirmPassword'] as const;

/** First run: load the demo company, or set up the real one with its first admin. */
export function FirstRunScreen({ onDone }: { onDone(notice?: string): void }) {
  const [mode, setMode] = useState<'choose' | 'setup'>('choose');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number; task: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'progress' && typeof event.done === 'number' && typeof event.total === 'number') {
          setProgress({ done: event.done, total: event.total, task: String(event.task ?? '') });
        }
      }),
    [],
  );

  async function loadDemo() {
    setBusy(true);
    setError(null);
    try {
      const counts = await client.call('system.loadDemo', {});
      onDone(`Demo company loaded: ${counts.products.toLocaleString()} products, ${counts.customers.toLocaleString()} customers, ${counts.vendors} vendors. Log in with a demo user.`);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  }

  return (
    <div className="bl-firstrun">
      <Stack w="100%" maw={mode === 'choose' ? 860 : 560} gap="lg">
        <Stack gap={4}>
          <Brand size="lg" />
          <Title order={1} mt="md">
            Welcome — let's get this install ready
          </Title>
          <Text c="dimmed" size="sm">
            This install has no company yet. Try Branchline with a demo company, or set up your own company and its first admin.
          </Text>
        </Stack>
        {error && (
          <Alert color="red" title="That did not work" withCloseButton onClose={() => setError(null)}>
            {error}
          </Alert>
        )}
        {mode === 'choose' ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <Card withBorder padding="lg" radius="md">
              <Stack gap="sm" h="100%">
                <Group gap="sm">
                  <ThemeIcon variant="light" size="lg">
                    <IconDatabaseImport size={20} />
                  </ThemeIcon>
                  <Title order={3}>Try the demo company</Title>
                </Group>
                <Text size="sm" c="dimmed">
                  Northwind Wholesale Supply, branch B01, filled with believable data:
                </Text>
                <List size="sm" spacing={2}>
                  <List.Item>5,000 products in 40 categories</List.Item>
                  <List.Item>customers, vendors and warehouses</List.Item>
                  <List.Item>one demo user per role (admin, clerk, warehouse, buyer, finance)</List.Item>
                </List>
                <div style={{ flex: 1 }} />
                {busy && (
                  <Stack gap={4} aria-live="polite">
                    <Progress value={progress && progress.total > 0 ? (100 * progress.done) / progress.total : 100} animated striped size="sm" />
                    <Text size="xs" c="dimmed">
                      {progress ? `${progress.task || 'Loading'}: ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()}` : 'Loading the demo company…'}
                    </Text>
                  </Stack>
                )}
                <Button size="sm" onClick={() => void loadDemo()} loading={busy} data-autofocus>
                  Load the demo company
                </Button>
              </Stack>
            </Card>
            <Card withBorder padding="lg" radius="md">
              <Stack gap="sm" h="100%">
                <Group gap="sm">
                  <ThemeIcon variant="light" color="teal" size="lg">
                    <IconBuildingWarehouse size={20} />
                  </ThemeIcon>
                  <Title order={3}>Set up my company</Title>
                </Group>
                <Text size="sm" c="dimmed">
                  Name your company and this branch, and create the first admin. You add products, partners and more users afterwards.
                </Text>
                <div style={{ flex: 1 }} />
                <Button size="sm" variant="default" onClick={() => setMode('setup')} disabled={busy}>
                  Set up my company
                </Button>
              </Stack>
            </Card>
          </SimpleGrid>
        ) : (
          <SetupForm onBack={() => setMode('choose')} onDone={onDone} />
        )}
      </Stack>
    </div>
  );
}

function SetupForm({ onBack, onDone }: { onBack(): void; onDone(notice?: string): void }) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { companyName: '', branchCode: 'B01', branchName: 'Head Office', adminUsername: 'admin', adminDisplayName: '', adminPassword: '', confirmPassword: '' },
    validate: (values) => {
      const { confirmPassword, ...input } = values;
      const errors = schemaErrors(contract['system.setup'].input, input);
      if (!errors.adminPassword && confirmPassword !== values.adminPassword) errors.confirmPassword = 'The passwords differ';
      return errors;
    },
  });

  const submit = form.onSubmit(async (values) => {
    const { confirmPassword: _, ...input } = values;
    setSaving(true);
    setFormError(null);
    try {
      await client.call('system.setup', input);
      await client.call('auth.login', { username: input.adminUsername, password: input.adminPassword });
      onDone();
    } catch (e) {
      setFormError(applyServerError(form, e, SETUP_FIELDS));
      setSaving(false);
    }
  });

  return (
    <Card withBorder padding="lg" radius="md">
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="Set up my company">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={3}>Set up my company</Title>
            <Button variant="subtle" leftSection={<IconArrowLeft size={14} />} onClick={onBack}>
              Back
            </Button>
          </Group>
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label="Company name" required data-autofocus autoFocus {...form.getInputProps('companyName')} />
          <Group grow align="flex-start">
            <TextInput label="Branch code" description="2–6 capitals or digits, e.g. B01" required {...form.getInputProps('branchCode')} />
            <TextInput label="Branch name" required {...form.getInputProps('branchName')} />
          </Group>
          <Text fw={600} size="sm" mt="xs">
            First admin
          </Text>
          <Group grow align="flex-start">
            <TextInput label="Admin user name" required autoComplete="username" {...form.getInputProps('adminUsername')} />
            <TextInput label="Admin display name" required {...form.getInputProps('adminDisplayName')} />
          </Group>
          <Group grow align="flex-start">
            <PasswordInput label="Password" description="At least 8 characters" required autoComplete="new-password" {...form.getInputProps('adminPassword')} />
            <PasswordInput label="Confirm password" required autoComplete="new-password" {...form.getInputProps('confirmPassword')} />
          </Group>
          <Group justify="flex-end" mt="sm">
            <Button type="submit" size="sm" loading={saving}>
              Create company
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

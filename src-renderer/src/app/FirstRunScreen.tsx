import { Alert, Button, Card, Group, List, PasswordInput, Progress, SimpleGrid, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { IconArrowLeft, IconBuildingWarehouse, IconDatabaseImport, IconPlugConnected } from '@tabler/icons-react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { contract } from '../../../src-shared/contract/index';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client, messageOf } from '../rpc';
import { JoinForm, type Registered } from '../sync/JoinForm';
import { firstSyncDone, progressLabel } from '../sync/status';
import { FormActions } from '../ui/FormActions';
import { percentOf, useProgress } from '../ui/useEngineEvents';
import { Brand } from './Brand';

const SETUP_FIELDS = ['companyName', 'branchCode', 'branchName', 'adminUsername', 'adminDisplayName', 'adminPassword', 'confirmPassword'] as const;

type Mode = { kind: 'choose' } | { kind: 'setup' } | { kind: 'join' } | { kind: 'joining'; registered: Registered; name: string };

/** First run: load the demo company, set up the real one with its first admin, or join the company's central database. */
export function FirstRunScreen({ onDone }: { onDone(notice?: string): void }) {
  const [mode, setMode] = useState<Mode>({ kind: 'choose' });
  const [busy, setBusy] = useState(false);
  const [progress] = useProgress();
  const [error, setError] = useState<string | null>(null);

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
      <Stack w="100%" maw={mode.kind === 'choose' ? 1140 : 600} gap="lg">
        <Stack gap={4}>
          <Brand size="lg" />
          <Title order={1} mt="md">
            Welcome — let's get this install ready
          </Title>
          <Text c="dimmed" size="sm">
            This install has no company yet. Try Branchline with a demo company, set up your own company and its first admin, or join your company’s central database as a branch.
          </Text>
        </Stack>
        {error && (
          <Alert color="red" title="That did not work" withCloseButton onClose={() => setError(null)}>
            {error}
          </Alert>
        )}
        {mode.kind === 'choose' ? (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
            <ChoiceCard
              icon={<IconDatabaseImport size={20} />}
              title="Try the demo company"
              action={
                <>
                  {busy && (
                    <Stack gap={4} aria-live="polite">
                      <Progress value={percentOf(progress)} animated striped size="sm" />
                      <Text size="xs" c="dimmed">
                        {progress ? `${progress.task || 'Loading'}: ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()}` : 'Loading the demo company…'}
                      </Text>
                    </Stack>
                  )}
                  <Button size="sm" onClick={() => void loadDemo()} loading={busy} data-autofocus>
                    Load the demo company
                  </Button>
                </>
              }
            >
              <Text size="sm" c="dimmed">
                Northwind Wholesale Supply, branch B01, filled with believable data:
              </Text>
              <List size="sm" spacing={2}>
                <List.Item>5,000 products in 40 categories</List.Item>
                <List.Item>customers, vendors and warehouses</List.Item>
                <List.Item>one demo user per role (admin, clerk, warehouse, buyer, finance)</List.Item>
              </List>
            </ChoiceCard>
            <ChoiceCard
              icon={<IconBuildingWarehouse size={20} />}
              color="teal"
              title="Set up my company"
              action={
                <Button size="sm" variant="default" onClick={() => setMode({ kind: 'setup' })} disabled={busy}>
                  Set up my company
                </Button>
              }
            >
              <Text size="sm" c="dimmed">
                Name your company and this branch, and create the first admin. You add products, partners and more users afterwards.
              </Text>
            </ChoiceCard>
            <ChoiceCard
              icon={<IconPlugConnected size={20} />}
              color="grape"
              title="Join my company’s central database"
              action={
                <Button size="sm" variant="default" onClick={() => setMode({ kind: 'join' })} disabled={busy}>
                  Join my company’s central database
                </Button>
              }
            >
              <Text size="sm" c="dimmed">
                Your company already runs Branchline with a central database. Register this install as one of its branches: the company, products and users arrive with the first sync, and you log in with your usual user.
              </Text>
            </ChoiceCard>
          </SimpleGrid>
        ) : mode.kind === 'setup' ? (
          <SetupForm onBack={() => setMode({ kind: 'choose' })} onDone={onDone} />
        ) : mode.kind === 'join' ? (
          <FormCard title="Join my company’s central database" onBack={() => setMode({ kind: 'choose' })}>
            <Text size="sm" c="dimmed">
              Ask whoever runs the central database for its address and your branch’s code. Nothing is sent until you register.
            </Text>
            <JoinForm submitLabel="Register and sync" onRegistered={(registered, values) => setMode({ kind: 'joining', registered, name: values.name })} />
          </FormCard>
        ) : (
          <FirstSync registered={mode.registered} branchName={mode.name} onDone={onDone} />
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
    <FormCard title="Set up my company" onBack={onBack}>
      <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label="Set up my company">
        <Stack gap="sm">
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
          <FormActions mt="sm" submitLabel="Create company" saving={saving} />
        </Stack>
      </form>
    </FormCard>
  );
}

/** One of the first-run choices: what it does, and the button that does it at the foot. */
function ChoiceCard({ icon, color, title, children, action }: { icon: ReactNode; color?: string; title: string; children: ReactNode; action: ReactNode }) {
  return (
    <Card withBorder padding="lg" radius="md">
      <Stack gap="sm" h="100%">
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon variant="light" color={color} size="lg">
            {icon}
          </ThemeIcon>
          <Title order={3}>{title}</Title>
        </Group>
        {children}
        <div style={{ flex: 1 }} />
        {action}
      </Stack>
    </Card>
  );
}

/** A first-run step in a card: its title, a way back to the three choices, the form. */
function FormCard({ title, onBack, children }: { title: string; onBack(): void; children: ReactNode }) {
  return (
    <Card withBorder padding="lg" radius="md">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3}>{title}</Title>
          <Button variant="subtle" leftSection={<IconArrowLeft size={14} />} onClick={onBack}>
            Back
          </Button>
        </Group>
        {children}
      </Stack>
    </Card>
  );
}

/**
 * After registering: the engine's background sync brings the company (the snapshot). No one
 * is logged in yet, so this watches the engine's progress events and the public system.status
 * until the company and its users are here, then goes on to the login screen.
 */
function FirstSync({ registered, branchName, onDone }: { registered: Registered; branchName: string; onDone(notice?: string): void }) {
  const [progress] = useProgress('sync:');
  const [company, setCompany] = useState<string | null>(null);
  const [waitedLong, setWaitedLong] = useState(false);
  const seen = useRef({ snapshotFinished: false, lastEventAt: null as number | null, initializedAt: null as number | null, sawSnapshot: false });

  useEffect(() => {
    if (!progress) return;
    const s = seen.current;
    s.lastEventAt = progress.at;
    if (progress.task === 'sync:snapshot') {
      s.sawSnapshot = true;
      if (progress.total > 0 && progress.done >= progress.total) s.snapshotFinished = true;
    } else if (progress.task === 'sync:pull' && s.sawSnapshot) s.snapshotFinished = true;
  }, [progress]);

  const done = useRef(onDone);
  done.current = onDone;

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    const tick = async () => {
      try {
        const status = await client.call('system.status', {});
        if (!live) return;
        const s = seen.current;
        if (status.initialized && s.initializedAt === null) s.initializedAt = Date.now();
        if (status.companyName) setCompany(status.companyName);
        if (firstSyncDone({ initialized: status.initialized, snapshotFinished: s.snapshotFinished, lastEventAt: s.lastEventAt, initializedAt: s.initializedAt, now: Date.now() })) {
          live = false;
          done.current(`Joined ${status.companyName ?? 'the company'} as branch ${registered.branchCode}${branchName ? ` (${branchName})` : ''}. Log in with your user from the central database.`);
          return;
        }
      } catch {
        // The engine is busy applying the snapshot or briefly unreachable: ask again.
      }
      if (!live) return;
      if (Date.now() - started > 45_000 && (seen.current.lastEventAt ?? started) < Date.now() - 30_000) setWaitedLong(true);
      timer = setTimeout(() => void tick(), 1_000);
    };
    timer = setTimeout(() => void tick(), 500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [registered.branchCode, branchName]);

  return (
    <Card withBorder padding="lg" radius="md">
      <Stack gap="sm" aria-live="polite">
        <Title order={3}>First sync</Title>
        <Text size="sm">
          Registered as branch <b>{registered.branchCode}</b>
          {company ? (
            <>
              {' '}
              of <b>{company}</b>
            </>
          ) : null}
          . Loading your company from the central database…
        </Text>
        <Progress value={percentOf(progress)} animated striped size="md" aria-label="First sync progress" />
        <Text size="xs" c="dimmed">
          {progress ? progressLabel(progress) : 'Connecting to the central database…'}
        </Text>
        <Text size="xs" c="dimmed">
          This install’s client id: <span className="bl-mono">{registered.clientId}</span>
        </Text>
        {waitedLong && (
          <Alert color="orange" title="Still waiting for the central database">
            Nothing has arrived for a while. The engine keeps trying in the background; check that the central database is reachable from this computer. This screen moves on by itself once the company is here.
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

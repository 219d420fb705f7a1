import { Alert, Badge, Button, Checkbox, Group, NumberInput, Progress, SegmentedControl, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLock, IconRefresh } from '@tabler/icons-react';
import { type FormEvent, type ReactNode, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { contract } from '../../../src-shared/contract/index';
import { schemaErrors } from '../lib/forms';
import { RpcError, client, messageOf } from '../rpc';
import { timeAgo } from '../sync/status';
import { PageHeader } from '../ui/PageHeader';
import { SimpleTable } from '../ui/SimpleTable';
import { useEngineQuery } from '../ui/useEngineQuery';
import { dateTime } from '../warehouse/format';

type Overview = OutputOf<'updates.overview'>;
type Release = Overview['folder']['releases'][number];
type Devices = OutputOf<'updates.devices'>;
type Device = Devices['devices'][number];
type Channel = 'stable' | 'beta';

const SETTING_LABELS: Record<string, string> = {
  updateUrl: 'Update server',
  channel: 'Channel',
  deviceGroup: 'Device group',
  centralUrl: 'Central database (admin)',
  checkIntervalHours: 'Check every (hours)',
  autoDownload: 'Download in the background',
  releaseDir: 'Update folder',
};

const SOURCE_LABELS: Record<string, string> = { machine: 'machine policy', 'machine-default': 'machine default', user: 'this install’s settings', default: 'built-in default' };

/** The first field message of a refusal, or its message. */
function refusal(e: unknown): string {
  return e instanceof RpcError && e.fields[0] ? e.fields[0].message : messageOf(e);
}

/**
 * Admin → Updates: the releases in the update folder and their staged rollout, a channel per
 * branch or device group, the centre's minimum version, and which device runs which version.
 * Settings fixed by the machine-wide policy file are shown as such. Admin only (the engine
 * refuses everyone else).
 */
export function UpdatesPage() {
  const overview = useEngineQuery(() => client.call('updates.overview', {}), []);
  const [versionFilter, setVersionFilter] = useState<string | null>(null);
  const devices = useEngineQuery(() => client.call('updates.devices', versionFilter ? { version: versionFilter } : {}), [versionFilter]);
  const o = overview.data;
  const reloadAll = async () => {
    await Promise.all([overview.reload(), devices.reload()]);
  };

  return (
    <div className="bl-page">
      <PageHeader
        title="Updates"
        actions={
          <Button variant="default" leftSection={<IconRefresh size={14} />} onClick={() => void reloadAll()}>
            Refresh
          </Button>
        }
      >
        {o && (
          <Badge variant="outline" color="gray" tt="none" data-testid="updates-app-version">
            This install: Branchline {o.appVersion}
          </Badge>
        )}
      </PageHeader>
      <div className="bl-page-body" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {overview.error && <Alert color="red">{overview.error}</Alert>}
        {o && (
          <>
            <ReleasesPanel overview={o} onChanged={() => void overview.reload()} />
            <Group align="stretch" gap={12} grow wrap="wrap">
              <MinVersionPanel overview={o} onChanged={() => void reloadAll()} />
              <AssignmentsPanel overview={o} onChanged={() => void overview.reload()} />
            </Group>
            <DevicesPanel devices={devices.data} error={devices.error} centre={o.centre} filter={versionFilter} setFilter={setVersionFilter} />
            <SettingsPanel overview={o} />
          </>
        )}
      </div>
    </div>
  );
}

function Panel({ title, label, children, extra }: { title: ReactNode; label: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <section className="bl-panel" aria-label={label} style={{ minWidth: 380 }}>
      <div className="bl-panel-head">
        <Group justify="space-between" wrap="nowrap">
          <span>{title}</span>
          {extra}
        </Group>
      </div>
      <div className="bl-panel-body">{children}</div>
    </section>
  );
}

function ReleasesPanel({ overview, onChanged }: { overview: Overview; onChanged(): void }) {
  const { folder } = overview;
  const channels = [...new Set(folder.releases.map((r) => r.channel))] as Channel[];
  return (
    <Panel
      title="Releases in the update folder"
      label="Releases"
      extra={
        folder.dir && (
          <Text size="xs" c="dimmed" className="bl-mono" tt="none" data-testid="updates-folder">
            {folder.dir}
          </Text>
        )
      }
    >
      {folder.problem && (
        <Alert color="orange" variant="light" mb="sm" data-testid="updates-folder-problem">
          {folder.problem}
        </Alert>
      )}
      {!folder.problem && channels.length === 0 && (
        <Text size="sm" c="dimmed" mb="sm">
          Nothing is published in this folder yet.
        </Text>
      )}
      <Stack gap="md">
        {channels.map((channel) => (
          <ChannelRollout key={channel} channel={channel} releases={folder.releases.filter((r) => r.channel === channel)} onChanged={onChanged} />
        ))}
      </Stack>
      {!folder.problem && <PublishForm onPublished={onChanged} />}
      <Text size="xs" c="dimmed" mt="sm">
        Or from a shell: <span className="bl-mono">npx branchline release publish --dir dist --to {folder.dir ?? 'FOLDER'} --channel stable --rollout 10</span>. Installers are copied first, the channel’s metadata last; big builds hold other changes back while they copy, so prefer the shell for them.
      </Text>
    </Panel>
  );
}

/** Publishes the installers electron-builder wrote (a folder on this machine) to the update folder. */
function PublishForm({ onPublished }: { onPublished(): void }) {
  const [distDir, setDistDir] = useState('');
  const [channel, setChannel] = useState<Channel>('stable');
  const [rollout, setRollout] = useState<number | string>(10);
  const [required, setRequired] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function publish(e: FormEvent) {
    e.preventDefault();
    const input = { distDir: distDir.trim(), channel, rollout: typeof rollout === 'number' ? rollout : Number.NaN, required };
    const local = schemaErrors(contract['updates.release.publish'].input, input);
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const r = await client.call('updates.release.publish', input);
      notifications.show({ color: 'teal', title: `Published ${r.version} to ${r.channel}`, message: `${r.artifacts.length} installer(s); ${r.metadata.join(', ')}` });
      setDistDir('');
      onPublished();
    } catch (err) {
      if (err instanceof RpcError && err.fields.length > 0) setErrors(Object.fromEntries(err.fields.map((f) => [f.path, f.message])));
      else setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void publish(e)} aria-label="Publish a build">
      <Text size="sm" fw={600} mt="md" mb={4}>
        Publish a build
      </Text>
      <Group gap="xs" align="flex-start" wrap="wrap">
        <TextInput label="Build folder (electron-builder’s dist)" placeholder="/home/me/branchline/dist" w={360} value={distDir} onChange={(e) => setDistDir(e.currentTarget.value)} error={errors.distDir} />
        <Select label="Channel" w={110} data={['stable', 'beta']} value={channel} onChange={(v) => v && setChannel(v as Channel)} allowDeselect={false} error={errors.channel} />
        <NumberInput label="Rollout %" w={110} min={1} max={100} clampBehavior="none" allowDecimal={false} value={rollout} onChange={setRollout} error={errors.rollout} />
        <Checkbox label="Required" mt={30} checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} />
        <Button type="submit" mt={24} loading={busy}>
          Publish
        </Button>
      </Group>
      {problem && (
        <Alert color="red" variant="light" mt="xs" data-testid="publish-problem">
          {problem}
        </Alert>
      )}
    </form>
  );
}

/** One channel's release: its files, its rollout, and the controls to raise, complete or halt it. */
function ChannelRollout({ channel, releases, onChanged }: { channel: Channel; releases: Release[]; onChanged(): void }) {
  const current = releases[0]!;
  const rollout = Math.min(...releases.map((r) => r.rollout));
  const required = releases.some((r) => r.required);
  const [percent, setPercent] = useState<number | string>(rollout === 100 ? 100 : Math.min(100, rollout + 10));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function apply(value: number, markRequired?: boolean) {
    const input = { channel, percent: value, ...(markRequired === undefined ? {} : { required: markRequired }) };
    const local = schemaErrors(contract['updates.rollout.set'].input, input);
    if (local.percent) return setError(local.percent);
    setBusy(true);
    try {
      const r = await client.call('updates.rollout.set', input);
      setError(null);
      setPercent(r.percent);
      notifications.show({ color: 'teal', title: `${channel}: ${r.version}`, message: r.percent === 0 ? 'Halted: no install is offered it now' : `Offered to ${r.percent} % of installs` });
      onChanged();
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void apply(typeof percent === 'number' ? percent : Number.NaN);
  };

  return (
    <div data-testid={`release-${channel}`}>
      <Group gap="sm" mb={6}>
        <Badge color={channel === 'stable' ? 'indigo' : 'grape'} tt="none">
          {channel}
        </Badge>
        <Text fw={600} data-testid={`release-${channel}-version`}>
          {current.version}
        </Text>
        <Text size="sm" c="dimmed">
          published {dateTime(current.releaseDate)}
        </Text>
        {required && (
          <Badge color="red" variant="light" tt="none">
            Required
          </Badge>
        )}
      </Group>
      <Group gap="sm" wrap="nowrap" mb={6}>
        <Progress value={rollout} w={260} color={rollout === 0 ? 'red' : rollout === 100 ? 'teal' : 'indigo'} aria-label={`${channel} rollout`} />
        <Text size="sm" fw={500} data-testid={`release-${channel}-rollout`}>
          {rollout === 0 ? 'Halted' : rollout === 100 ? '100 % of installs' : `${rollout} % of installs`}
        </Text>
      </Group>
      <Text size="xs" c="dimmed" mb={8}>
        {releases.map((r) => r.file).join(', ')} · {[...new Set(releases.flatMap((r) => r.files))].join(', ')}
      </Text>
      <form onSubmit={submit} aria-label={`Rollout of ${channel}`}>
        <Group gap="xs" align="flex-end" wrap="wrap">
          <NumberInput
            label="Rollout %"
            w={110}
            min={0}
            max={100}
            clampBehavior="none"
            allowDecimal={false}
            value={percent}
            onChange={(v) => {
              setPercent(v);
              setError(null);
            }}
            error={error}
          />
          <Button type="submit" loading={busy}>
            Set rollout
          </Button>
          <Button variant="light" disabled={busy} onClick={() => void apply(20)}>
            20 %
          </Button>
          <Button variant="light" color="teal" disabled={busy} onClick={() => void apply(100)}>
            Everyone
          </Button>
          <Button variant="light" color="red" disabled={busy || rollout === 0} onClick={() => void apply(0)}>
            Halt
          </Button>
          <Tooltip label={required ? 'Installs then wait for unsent changes again' : 'Installs even with changes not yet sent (they stay in the outbox)'}>
            <Button variant="subtle" color={required ? 'gray' : 'red'} disabled={busy} onClick={() => void apply(rollout, !required)}>
              {required ? 'Not required' : 'Mark required'}
            </Button>
          </Tooltip>
        </Group>
      </form>
    </div>
  );
}

function MinVersionPanel({ overview, onChanged }: { overview: Overview; onChanged(): void }) {
  const { centre } = overview;
  const [version, setVersion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [left, setLeft] = useState<Device[] | null>(null);

  async function set(value: string | null) {
    const local = schemaErrors(contract['updates.minVersion.set'].input, { version: value });
    if (local.version) return setError(local.version);
    setBusy(true);
    try {
      const r = await client.call('updates.minVersion.set', { version: value });
      setError(null);
      setVersion('');
      setLeft(r.minVersion ? r.below : null);
      notifications.show({ color: 'teal', title: r.minVersion ? `Minimum version ${r.minVersion}` : 'Minimum version cleared', message: r.minVersion ? `${r.below.length} device(s) must update before they can send changes` : 'Every version may push again' });
      onChanged();
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel title="Minimum supported version" label="Minimum version">
      {centre.problem ? (
        <Alert color="orange" variant="light" data-testid="updates-centre-problem">
          {centre.problem}
        </Alert>
      ) : (
        <>
          <Text size="sm" mb="xs">
            At the centre{centre.label ? <span className="bl-mono"> ({centre.label})</span> : ' (this database)'}:{' '}
            <Text span fw={600} data-testid="updates-min-version">
              {centre.minVersion ?? 'none'}
            </Text>
          </Text>
          <Text size="xs" c="dimmed" mb="sm">
            Older installs keep working, but their changes wait in their outbox until they update; their update then installs even with changes unsent.
          </Text>
          <form
            aria-label="Raise the minimum version"
            onSubmit={(e) => {
              e.preventDefault();
              void set(version.trim());
            }}
          >
            <Group gap="xs" align="flex-end">
              <TextInput
                label="Minimum version"
                placeholder="1.4.0"
                w={140}
                value={version}
                onChange={(e) => {
                  setVersion(e.currentTarget.value);
                  setError(null);
                }}
                error={error}
              />
              <Button type="submit" loading={busy}>
                Raise minimum
              </Button>
              {centre.minVersion && (
                <Button variant="subtle" disabled={busy} onClick={() => void set(null)}>
                  Clear
                </Button>
              )}
            </Group>
          </form>
          {left && left.length > 0 && (
            <Text size="sm" c="orange.8" mt="sm" data-testid="updates-left-behind">
              Below the minimum now: {left.map((d) => `${d.branchCode ?? '?'} (${d.appVersion ?? 'unknown'})`).join(', ')}
            </Text>
          )}
        </>
      )}
    </Panel>
  );
}

function AssignmentsPanel({ overview, onChanged }: { overview: Overview; onChanged(): void }) {
  const [kind, setKind] = useState<'branch' | 'group'>('branch');
  const [key, setKey] = useState('');
  const [channel, setChannel] = useState<Channel>('beta');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const disabled = !!overview.folder.problem;

  async function assign(input: { kind: 'branch' | 'group'; key: string; channel: Channel | null }) {
    const local = schemaErrors(contract['updates.channel.assign'].input, input);
    if (local.key) return setError(local.key);
    setBusy(true);
    try {
      await client.call('updates.channel.assign', input);
      setError(null);
      setKey('');
      onChanged();
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel title="Channel per branch or device group" label="Channel assignments">
      <SimpleTable
        label="Channel assignments"
        rows={overview.folder.assignments}
        rowKey={(a) => `${a.kind}:${a.key}`}
        rowTestId={(a) => `assignment-${a.kind}-${a.key}`}
        empty="Every install follows its own channel (stable unless chosen)"
        columns={[
          { id: 'kind', label: 'Who', width: 110, render: (a) => (a.kind === 'branch' ? 'Branch' : 'Device group') },
          { id: 'key', label: 'Name', mono: true, render: (a) => a.key },
          { id: 'channel', label: 'Channel', width: 90, render: (a) => a.channel },
          {
            id: 'remove',
            label: '',
            width: 80,
            render: (a) => (
              <Button size="compact-xs" variant="subtle" color="red" disabled={busy} aria-label={`Remove ${a.kind} ${a.key}`} onClick={() => void assign({ kind: a.kind, key: a.key, channel: null })}>
                Remove
              </Button>
            ),
          },
        ]}
      />
      <form
        aria-label="Assign a channel"
        onSubmit={(e) => {
          e.preventDefault();
          void assign({ kind, key: key.trim(), channel });
        }}
      >
        <Group gap="xs" align="flex-end" mt="sm" wrap="wrap">
          <SegmentedControl
            size="xs"
            value={kind}
            onChange={(v) => setKind(v as 'branch' | 'group')}
            data={[
              { value: 'branch', label: 'Branch' },
              { value: 'group', label: 'Device group' },
            ]}
            aria-label="Assign to"
          />
          <TextInput
            label={kind === 'branch' ? 'Branch code' : 'Device group'}
            placeholder={kind === 'branch' ? 'B01' : 'pilot'}
            w={140}
            value={key}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setError(null);
            }}
            error={error}
          />
          <Select label="Channel" w={110} data={['stable', 'beta']} value={channel} onChange={(v) => v && setChannel(v as Channel)} allowDeselect={false} />
          <Button type="submit" loading={busy} disabled={disabled}>
            Assign
          </Button>
        </Group>
      </form>
    </Panel>
  );
}

function DevicesPanel({ devices, error, centre, filter, setFilter }: { devices: Devices | null; error: string | null; centre: Overview['centre']; filter: string | null; setFilter(v: string | null): void }) {
  return (
    <Panel title="Devices by version" label="Devices by version">
      {centre.problem ? (
        <Text size="sm" c="dimmed">
          The device registry is at the centre; see above.
        </Text>
      ) : error ? (
        <Alert color="red">{error}</Alert>
      ) : (
        devices && (
          <>
            <Group gap="xs" mb="sm" data-testid="updates-by-version">
              {devices.byVersion.map((v) => (
                <Button
                  key={v.version}
                  size="compact-sm"
                  variant={filter === v.version ? 'filled' : 'light'}
                  color={v.version === 'unknown' ? 'gray' : 'indigo'}
                  aria-pressed={filter === v.version}
                  onClick={() => setFilter(filter === v.version ? null : v.version)}
                >
                  {v.version}: {v.devices} device{v.devices === 1 ? '' : 's'}
                </Button>
              ))}
            </Group>
            <SimpleTable
              label="Devices"
              rows={devices.devices}
              rowKey={(d) => d.clientId}
              rowTestId={(d) => `device-${d.branchCode ?? d.clientId}`}
              empty="No device has registered with the centre yet"
              columns={[
                { id: 'branch', label: 'Branch', width: 90, render: (d) => d.branchCode ?? '—' },
                { id: 'name', label: 'Name', render: (d) => d.branchName ?? '' },
                {
                  id: 'version',
                  label: 'Version',
                  width: 210,
                  testId: 'device-version',
                  render: (d) => (
                    <Group gap={6} wrap="nowrap">
                      <span>{d.appVersion ?? 'unknown'}</span>
                      {d.belowMinimum && !d.retired && (
                        <Badge color="red" variant="light" size="xs" tt="none">
                          below minimum
                        </Badge>
                      )}
                    </Group>
                  ),
                },
                { id: 'seen', label: 'Last push', width: 130, render: (d) => <span title={d.lastSeenAt ? dateTime(d.lastSeenAt) : undefined}>{timeAgo(d.lastSeenAt)}</span> },
                { id: 'registered', label: 'Registered', width: 150, render: (d) => dateTime(d.registeredAt) },
                { id: 'client', label: 'Client id', mono: true, width: 110, render: (d) => <span title={d.clientId}>{d.clientId.slice(-8)}</span> },
                { id: 'state', label: '', width: 80, render: (d) => (d.retired ? <Badge color="gray" size="xs">retired</Badge> : null) },
              ]}
            />
            <Text size="xs" c="dimmed" mt={6}>
              An install reports its version when it pushes changes; one that never pushed shows “unknown”.
            </Text>
          </>
        )
      )}
    </Panel>
  );
}

function SettingsPanel({ overview }: { overview: Overview }) {
  return (
    <Panel title="Update settings of this install" label="Update settings">
      <SimpleTable
        label="Update settings"
        rows={overview.settings}
        rowKey={(s) => s.key}
        rowTestId={(s) => `setting-${s.key}`}
        columns={[
          { id: 'label', label: 'Setting', width: 220, render: (s) => SETTING_LABELS[s.key] ?? s.key },
          { id: 'value', label: 'Value', mono: true, render: (s) => (s.value === null ? '—' : String(s.value)) },
          {
            id: 'source',
            label: 'Set by',
            width: 240,
            render: (s) =>
              s.fixed ? (
                <Badge color="orange" variant="light" tt="none" leftSection={<IconLock size={11} />}>
                  Set by your administrator
                </Badge>
              ) : (
                <Text size="sm" c="dimmed">
                  {SOURCE_LABELS[s.source] ?? s.source}
                </Text>
              ),
          },
        ]}
      />
      <Text size="xs" c="dimmed" mt={6}>
        Settings marked “Set by your administrator” come from the machine policy{overview.policyFile ? <span className="bl-mono"> {overview.policyFile}</span> : ''} and cannot be changed here.
      </Text>
      {overview.warnings.map((w) => (
        <Text key={w} size="xs" c="orange.8">
          {w}
        </Text>
      ))}
    </Panel>
  );
}

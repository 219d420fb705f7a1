import { Alert, Button, Group, NumberInput, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDeviceFloppy } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { useSession } from '../app/session';
import { moneyInputValue, parseMoney } from '../lib/money';
import { client, messageOf } from '../rpc';
import { type Warehouse, useWarehouseRefs } from './useWarehouseRefs';
import './warehouse.css';

type Settings = OutputOf<'inventory.settings.get'>;

const RECEPTION = [
  { value: '1', label: '1 step — receive into stock' },
  { value: '2', label: '2 steps — input, then put away' },
  { value: '3', label: '3 steps — input, quality, put away' },
];
const DELIVERY = [
  { value: '1', label: '1 step — ship from stock' },
  { value: '2', label: '2 steps — pick, then ship' },
  { value: '3', label: '3 steps — pick, pack, ship' },
];

/** Warehouse steps, negative-stock policy and cross-docking; company-wide inventory policies (preemption, count approval thresholds). */
export function WarehouseSettingsPage() {
  const { can } = useSession();
  const config = can('inventory.config');
  const { warehouses, reload } = useWarehouseRefs();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [value, setValue] = useState('');
  const [percent, setPercent] = useState<number | ''>('');
  const [preempt, setPreempt] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    client
      .call('inventory.settings.get', {})
      .then((s) => {
        setSettings(s);
        setValue(moneyInputValue(s.countApprovalValueMinor));
        setPercent(s.countApprovalPercent);
        setPreempt(s.preemptLowerPriority);
      })
      .catch((e) => setError(messageOf(e)));
  }, []);

  async function saveSettings() {
    const money = parseMoney(value);
    if (!money.ok) return setError(`Approval value: ${money.message}`);
    setSaving(true);
    setError(null);
    try {
      const s = await client.call('inventory.settings.set', { preemptLowerPriority: preempt, countApprovalValueMinor: money.minor, countApprovalPercent: Number(percent) });
      setSettings(s);
      notifications.show({ color: 'teal', title: 'Inventory policies saved', message: '' });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="bl-page">
      <div className="bl-page-header">
        <Title order={2}>Warehouse settings</Title>
        {!config && (
          <Text size="sm" c="dimmed">
            Read-only: changing these needs inventory.config
          </Text>
        )}
      </div>
      <div className="bl-page-body">
        <Stack gap="md" maw={1100}>
          {error && (
            <Alert color="red" withCloseButton onClose={() => setError(null)}>
              {error}
            </Alert>
          )}
          <div className="wh-panel">
            <div className="wh-panel-head">Warehouses</div>
            <table className="wh-table" aria-label="Warehouses">
              <thead>
                <tr>
                  <th>Code</th>
                  <th>Name</th>
                  <th>Region</th>
                  <th>Reception</th>
                  <th>Delivery</th>
                  <th>Negative stock</th>
                  <th title="Receipts go from Input straight to Output for deliveries waiting for them">Cross-dock</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {warehouses.map((w) => (
                  <WarehouseRow key={w.id} w={w} editable={config} onSaved={() => void reload()} onError={setError} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="wh-panel">
            <div className="wh-panel-head">Inventory policies</div>
            <div className="wh-panel-body">
              {settings && (
                <Stack gap="sm">
                  <Switch
                    label="Higher-priority orders may take stock reserved for lower-priority ones (not yet started, not in a wave)"
                    checked={preempt}
                    onChange={(e) => setPreempt(e.currentTarget.checked)}
                    disabled={!config}
                    size="xs"
                  />
                  <Group gap="sm" align="flex-end">
                    <TextInput label="Approval above a variance value of" inputMode="decimal" w={240} value={value} onChange={(e) => setValue(e.currentTarget.value)} readOnly={!config} styles={{ input: { textAlign: 'right' } }} />
                    <NumberInput size="xs" label="…or a variance above" suffix=" %" min={0} max={100} allowDecimal={false} w={200} value={percent} onChange={(v) => setPercent(v === '' ? '' : Number(v))} readOnly={!config} />
                    {config && (
                      <Button leftSection={<IconDeviceFloppy size={14} />} loading={saving} onClick={() => void saveSettings()}>
                        Save policies
                      </Button>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed">
                    A cycle count whose variance passes either threshold on any line waits in the approval queue for a warehouse manager (inventory.count.approve).
                  </Text>
                </Stack>
              )}
            </div>
          </div>
        </Stack>
      </div>
    </div>
  );
}

function WarehouseRow({ w, editable, onSaved, onError }: { w: Warehouse; editable: boolean; onSaved(): void; onError(message: string): void }) {
  const [reception, setReception] = useState(String(w.receptionSteps));
  const [delivery, setDelivery] = useState(String(w.deliverySteps));
  const [negative, setNegative] = useState(w.allowNegative);
  const [crossDock, setCrossDock] = useState(w.crossDock);
  const [saving, setSaving] = useState(false);
  const dirty = reception !== String(w.receptionSteps) || delivery !== String(w.deliverySteps) || negative !== w.allowNegative || crossDock !== w.crossDock;

  async function save() {
    setSaving(true);
    try {
      await client.call('inventory.warehouse.configure', { id: w.id, receptionSteps: Number(reception), deliverySteps: Number(delivery), allowNegative: negative, crossDock });
      notifications.show({ color: 'teal', title: `${w.code} saved`, message: 'New transfers follow the new steps; open ones keep theirs' });
      onSaved();
    } catch (e) {
      onError(messageOf(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <tr>
      <td className="bl-mono" style={{ fontWeight: 600 }}>
        {w.code}
      </td>
      <td>{w.name}</td>
      <td>{w.region}</td>
      <td>
        <Select aria-label={`Reception steps of ${w.code}`} size="xs" w={240} data={RECEPTION} value={reception} onChange={(v) => v && setReception(v)} readOnly={!editable} />
      </td>
      <td>
        <Select aria-label={`Delivery steps of ${w.code}`} size="xs" w={220} data={DELIVERY} value={delivery} onChange={(v) => v && setDelivery(v)} readOnly={!editable} />
      </td>
      <td>
        <Switch aria-label={`Allow negative stock in ${w.code}`} size="xs" checked={negative} onChange={(e) => setNegative(e.currentTarget.checked)} disabled={!editable} label={negative ? 'Allowed' : 'Refused'} />
      </td>
      <td>
        {/* Needs receipts through Input and deliveries through Output (2 or 3 steps each). */}
        <Switch
          aria-label={`Cross-dock in ${w.code}`}
          size="xs"
          checked={crossDock}
          onChange={(e) => setCrossDock(e.currentTarget.checked)}
          disabled={!editable}
          label={crossDock ? (reception === '1' || delivery === '1' ? 'On (needs 2+ steps)' : 'On') : 'Off'}
        />
      </td>
      <td>
        {editable && (
          <Button size="compact-xs" disabled={!dirty} loading={saving} onClick={() => void save()}>
            Save
          </Button>
        )}
      </td>
    </tr>
  );
}

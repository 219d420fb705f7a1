import { Modal, Stack, Text, Textarea } from '@mantine/core';
import { getHotkeyHandler } from '@mantine/hooks';
import { type ReactNode, useState } from 'react';
import { FormActions } from '../ui/FormActions';

/** Asks for the reason a decision needs (approve, reject, release a credit hold, cancel); at least 3 characters, as the engine requires. */
export function ReasonModal({ title, intro, submitLabel, color, onSubmit, onClose }: { title: string; intro?: ReactNode; submitLabel: string; color?: string; onSubmit(reason: string): Promise<void>; onClose(): void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  async function submit() {
    if (reason.trim().length < 3) return setError('Give a reason of at least 3 characters');
    setSaving(true);
    try {
      await onSubmit(reason.trim());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setSaving(false);
    }
  }
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>{title}</Text>} aria-label={title}>
      <Stack gap="sm">
        {intro}
        <Textarea label="Reason" data-autofocus autosize minRows={2} value={reason} error={error} onChange={(e) => setReason(e.currentTarget.value)} onKeyDown={getHotkeyHandler([['mod+Enter', () => void submit()]])} />
        <FormActions submitLabel={submitLabel} submitColor={color} saving={saving} onSubmit={() => void submit()} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}

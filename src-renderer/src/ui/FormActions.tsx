import { Button, Group, Kbd } from '@mantine/core';
import type { ReactNode } from 'react';

interface Props {
  /** The main action's label; omitted, there is no main action (a read-only form). */
  submitLabel?: ReactNode;
  /** Busy: the main action shows a spinner. */
  saving?: boolean;
  /** Without it the main action submits its form; with it, it is a plain button. */
  onSubmit?(): void;
  submitIcon?: ReactNode;
  /** Shows the Ctrl+S hint on the main action. */
  saveKey?: boolean;
  submitColor?: string;
  onCancel?(): void;
  cancelLabel?: ReactNode;
  /** Secondary actions on the left (Add line, Archive…). */
  left?: ReactNode;
  /** More actions between Cancel and the main one. */
  children?: ReactNode;
  mt?: string | number;
}

/** The foot of a form or dialog: extra actions on the left; Cancel, others and the main action on the right. */
export function FormActions({ submitLabel, saving, onSubmit, submitIcon, saveKey, submitColor, onCancel, cancelLabel = 'Cancel', left, children, mt }: Props) {
  return (
    <Group justify={left ? 'space-between' : 'flex-end'} gap="xs" mt={mt}>
      {left && <Group gap="xs">{left}</Group>}
      <Group gap="xs">
        {onCancel && (
          <Button variant="default" onClick={onCancel}>
            {cancelLabel}
          </Button>
        )}
        {children}
        {submitLabel && (
          <Button
            type={onSubmit ? 'button' : 'submit'}
            onClick={onSubmit}
            loading={saving}
            color={submitColor}
            leftSection={submitIcon}
            rightSection={saveKey ? <Kbd size="xs">Ctrl S</Kbd> : undefined}
          >
            {submitLabel}
          </Button>
        )}
      </Group>
    </Group>
  );
}

/** Save, then Cancel, after the fields of a form edited in place in a list (Enter and Escape do the same). */
export function InlineSaveCancel({ onSave, onCancel, saveTestId, size }: { onSave(): void; onCancel(): void; saveTestId: string; size?: 'xs' }) {
  return (
    <>
      <Button size={size} onClick={onSave} data-testid={saveTestId}>
        Save
      </Button>
      <Button size={size} variant="subtle" onClick={onCancel}>
        Cancel
      </Button>
    </>
  );
}

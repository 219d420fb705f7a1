import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/** A refusal or failure above a page's content; closable when `onClose` is given. */
export function ErrorAlert({ error, onClose, title }: { error: string | null | undefined; onClose?(): void; title?: ReactNode }) {
  if (!error) return null;
  return (
    <Alert color="red" title={title} withCloseButton={!!onClose} onClose={onClose}>
      {error}
    </Alert>
  );
}

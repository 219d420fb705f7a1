import { Alert, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { getHotkeyHandler } from '@mantine/hooks';
import { useState } from 'react';
import { type OutputOf, contract } from '../../../src-shared/contract/index';
import { applyServerError, schemaErrors } from '../lib/forms';
import { client } from '../rpc';
import { FormActions } from '../ui/FormActions';

const FIELDS = ['centralUrl', 'code', 'name'] as const;

export type Registered = OutputOf<'sync.register'>;

interface Props {
  /** Register an install again (a copied or restored database): admins only, after the first run. */
  again?: boolean;
  initial?: { code?: string; name?: string };
  submitLabel: string;
  onCancel?(): void;
  onRegistered(result: Registered, values: { code: string; name: string }): void;
}

/**
 * The centre's address, the branch code and name: sync.register. The form's messages are the
 * contract's (checked before anything is sent); a refusal by the engine or the centre shows
 * the engine's own message.
 */
export function JoinForm({ again = false, initial, submitLabel, onCancel, onRegistered }: Props) {
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { centralUrl: '', code: initial?.code ?? '', name: initial?.name ?? '' },
    validate: (values) => schemaErrors(contract['sync.register'].input, { ...values, again }),
  });

  const submit = form.onSubmit(async (values) => {
    setSaving(true);
    setFormError(null);
    try {
      const result = await client.call('sync.register', { centralUrl: values.centralUrl.trim(), code: values.code.trim(), name: values.name.trim(), again });
      onRegistered(result, { code: values.code.trim(), name: values.name.trim() });
    } catch (e) {
      setFormError(applyServerError(form, e, FIELDS));
      setSaving(false);
    }
  });

  return (
    <form onSubmit={submit} onKeyDown={getHotkeyHandler([['mod+S', () => submit()]])} noValidate aria-label={again ? 'Register this install again' : 'Join my company’s central database'}>
      <Stack gap="sm">
        {formError && (
          <Alert color="red" title="Not registered">
            {formError}
          </Alert>
        )}
        <TextInput
          label="Central database address"
          description="postgres://user:password@host:5432/database, with a login that may register branches; this install then gets a login of its own"
          placeholder="postgres://admin:password@central.example.com:5432/branchline"
          required
          data-autofocus
          autoFocus
          autoComplete="off"
          spellCheck={false}
          className="bl-mono-input"
          {...form.getInputProps('centralUrl')}
        />
        <TextInput label="Branch code" description="2–6 capitals or digits; an existing branch’s code joins that branch" placeholder="e.g. B02" required autoComplete="off" {...form.getInputProps('code')} />
        <TextInput label="Branch name" description="Used when the centre does not have this branch yet" placeholder="e.g. South" required {...form.getInputProps('name')} />
        <FormActions onCancel={onCancel} submitLabel={submitLabel} saving={saving} saveKey />
      </Stack>
    </form>
  );
}

import type { UseFormReturnType } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { messageOf } from '../rpc';

/**
 * The load-and-save half of a record's form (a customer, a vendor): reads the record into the
 * form when editing (and marks the form clean), then saves it as a create or an update with a
 * notice naming it; a refusal goes to `onError` (fields) and stays open. Each form keeps its
 * own fields and layout.
 */
export function useRecordForm<Values extends object, Rec extends { code: string; name: string }, Input>(options: {
  id: string | null;
  form: UseFormReturnType<Values>;
  /** Whether this user may save it (the record is known once loaded: another branch's customer is read-only). */
  writable: (current: Rec | null) => boolean;
  /** What the notice calls it: "Customer", "Vendor". */
  noun: string;
  toValues: (record: Rec | null) => Values;
  inputOf: (values: Values) => { input?: Input };
  load: (id: string) => Promise<Rec>;
  save: (input: Input, values: Values, current: Rec | null) => Promise<Rec>;
  onSaved: (record: Rec) => void;
  /** A refusal: put it on the fields; returns the sentence shown above the form. */
  onError: (error: unknown, values: Values) => string | null;
}) {
  const { id, form, noun } = options;
  const [current, setCurrent] = useState<Rec | null>(null);
  const [loading, setLoading] = useState(!!id);
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  useEffect(() => {
    if (!id) return;
    options
      .load(id)
      .then((record) => {
        setCurrent(record);
        form.setValues(options.toValues(record));
        form.resetDirty(options.toValues(record));
      })
      .catch((e) => setFormError(messageOf(e)))
      .finally(() => setLoading(false));
    // Load once per record.
  }, [id]);

  const save = form.onSubmit(async (values) => {
    if (!options.writable(current) || saving) return;
    const { input } = options.inputOf(values);
    if (!input) return;
    setSaving(true);
    setFormError(null);
    try {
      const saved = await options.save(input, values, current);
      notifications.show({ color: 'teal', title: current ? `${noun} saved` : `${noun} created`, message: `${saved.code} · ${saved.name}` });
      options.onSaved(saved);
    } catch (e) {
      setFormError(options.onError(e, values));
      setSaving(false);
    }
  });

  return { current, loading, saving, formError, setFormError, save };
}

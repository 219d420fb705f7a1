import { ActionIcon, Button, Divider, Group, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { IconPlus, IconTrash } from '@tabler/icons-react';

/** A partner's contact as a form edits it (customers and vendors alike); `id` once saved, where the engine keeps contact ids. */
export interface ContactForm {
  id?: string;
  name: string;
  email: string;
  phone: string;
  role: string;
}

export const emptyContact = (): ContactForm => ({ name: '', email: '', phone: '', role: '' });
const blank = (s: string) => (s.trim() === '' ? null : s.trim());

/** Contacts into the form (`keepIds`: the engine edits contacts by id). */
export function contactForms(contacts: { id?: string; name: string; email: string | null; phone: string | null; role: string | null }[], keepIds: boolean): ContactForm[] {
  return contacts.map((c) => ({ ...(keepIds && c.id ? { id: c.id } : {}), name: c.name, email: c.email ?? '', phone: c.phone ?? '', role: c.role ?? '' }));
}

/** Adds each nameless contact's error to `errors`. */
export function checkContacts(contacts: ContactForm[], errors: Record<string, string>): void {
  contacts.forEach((c, i) => {
    if (!c.name.trim()) errors[`contacts.${i}.name`] = 'Contact name is required';
  });
}

/** The contacts as the engine takes them (blank fields null, the id when there is one). */
export function contactInputs(contacts: ContactForm[]) {
  return contacts.map((c) => ({ ...(c.id ? { id: c.id } : {}), name: c.name.trim(), email: blank(c.email), phone: blank(c.phone), role: blank(c.role) }));
}

/** Every contact field's path, for putting the engine's refusals on them. */
export const contactPaths = (contacts: ContactForm[]) => contacts.flatMap((_, i) => [`contacts.${i}.name`, `contacts.${i}.email`, `contacts.${i}.phone`, `contacts.${i}.role`]);

/** The contacts section of a partner's form: one row each, removable; "Add contact" when the form can be saved. */
export function ContactsEditor<V extends { contacts: ContactForm[] }>({ form, writable }: { form: UseFormReturnType<V>; writable: boolean }) {
  const list = form as unknown as UseFormReturnType<{ contacts: ContactForm[] }>;
  return (
    <>
      <Divider label="Contacts" labelPosition="left" />
      {list.values.contacts.length === 0 && (
        <Text size="sm" c="dimmed">
          No contacts.
        </Text>
      )}
      {list.values.contacts.map((c, i) => (
        <Group key={c.id ?? `new-${i}`} gap="xs" align="flex-start" wrap="nowrap" role="group" aria-label={`Contact ${i + 1}`}>
          <TextInput label="Contact name" style={{ flex: 1 }} {...list.getInputProps(`contacts.${i}.name`)} />
          <TextInput label="E-mail" style={{ flex: 1 }} {...list.getInputProps(`contacts.${i}.email`)} />
          <TextInput label="Phone" w={150} {...list.getInputProps(`contacts.${i}.phone`)} />
          <TextInput label="Role" w={150} {...list.getInputProps(`contacts.${i}.role`)} />
          <ActionIcon mt={28} variant="subtle" color="red" aria-label={`Remove contact ${i + 1}`} onClick={() => list.removeListItem('contacts', i)}>
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      ))}
      {writable && (
        <Group>
          <Button variant="light" size="xs" leftSection={<IconPlus size={12} />} onClick={() => list.insertListItem('contacts', emptyContact())}>
            Add contact
          </Button>
        </Group>
      )}
    </>
  );
}

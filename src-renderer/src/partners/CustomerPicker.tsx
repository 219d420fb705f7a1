import { IconUser } from '@tabler/icons-react';
import { forwardRef } from 'react';
import type { CustomerSummary } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { createRemotePicker, type RemotePickerProps } from '../ui/RemotePicker';

const Picker = createRemotePicker<CustomerSummary>('CustomerPicker', {
  search: (query) => client.call('partners.customer.search', { query, limit: 15 }).then((r) => r.rows),
  labelOf: (c) => `${c.code} — ${c.name}`,
  columns: (c) => [c.code, c.name, c.customerClass.replace('_', ' ')],
  codeWidth: 80,
  debounceMs: 120,
  noneFound: 'No customer found',
});

/** Customer typeahead: code prefix, then name, e-mail, tax id, GLN — the engine searches (partners.customer.search). */
export const CustomerPicker = forwardRef<HTMLInputElement, RemotePickerProps<CustomerSummary>>(function CustomerPicker(props, ref) {
  return <Picker ref={ref} placeholder="Code, name, e-mail, tax id or GLN" leftSection={<IconUser size={13} />} {...props} />;
});

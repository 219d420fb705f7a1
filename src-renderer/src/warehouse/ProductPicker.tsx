import { IconSearch } from '@tabler/icons-react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { client } from '../rpc';
import { createRemotePicker, type RemotePickerProps } from '../ui/RemotePicker';

export type PickedProduct = OutputOf<'catalog.product.get'>;

const Picker = createRemotePicker<PickedProduct>('ProductPicker', {
  search: (query) => client.call('catalog.product.search', { query, limit: 15 }).then((r) => r.rows),
  labelOf: (p) => `${p.sku} — ${p.name}`,
  columns: (p) => [p.sku, p.name, p.barcode],
  codeWidth: 96,
  debounceMs: 150,
  noneFound: 'No product found',
});

/**
 * Product typeahead: what is typed goes to catalog.product.search (exact barcode, SKU prefix,
 * then name/SKU substring) — the engine finds, this only lists. A scanned barcode picks its product.
 */
export function ProductPicker(props: RemotePickerProps<PickedProduct>) {
  return <Picker allowDeselect placeholder="SKU, name or barcode" leftSection={<IconSearch size={13} />} {...props} />;
}

import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { OutputOf } from '../../../src-shared/contract/index';
import { client } from '../rpc';

export type PickedProduct = OutputOf<'catalog.product.get'>;

interface Props extends Omit<SelectProps, 'data' | 'value' | 'onChange' | 'searchValue' | 'onSearchChange' | 'filter'> {
  value: PickedProduct | null;
  onChange(product: PickedProduct | null): void;
}

const labelOf = (p: PickedProduct) => `${p.sku} — ${p.name}`;

/**
 * Product typeahead: what is typed goes to catalog.product.search (exact barcode, SKU prefix,
 * then name/SKU substring) — the engine finds, this only lists. A scanned barcode picks its product.
 */
export function ProductPicker({ value, onChange, ...rest }: Props) {
  const [search, setSearch] = useState(value ? labelOf(value) : '');
  const [debounced] = useDebouncedValue(search, 150);
  const [found, setFound] = useState<PickedProduct[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const q = debounced.trim();
    if (!q || (value && q === labelOf(value))) return;
    const mine = ++seq.current;
    setLoading(true);
    client
      .call('catalog.product.search', { query: q.slice(0, 100), limit: 15 })
      .then((r) => {
        if (seq.current === mine) setFound(r.rows);
      })
      .catch(() => {
        if (seq.current === mine) setFound([]);
      })
      .finally(() => {
        if (seq.current === mine) setLoading(false);
      });
  }, [debounced, value]);

  useEffect(() => {
    setSearch(value ? labelOf(value) : '');
  }, [value]);

  const options = [...(value ? [value] : []), ...found.filter((p) => p.id !== value?.id)];
  return (
    <Select
      searchable
      clearable
      allowDeselect
      placeholder="SKU, name or barcode"
      leftSection={<IconSearch size={13} />}
      nothingFoundMessage={loading ? 'Searching…' : debounced.trim() ? 'No product found' : 'Type to search'}
      {...rest}
      data={options.map((p) => ({ value: p.id, label: labelOf(p) }))}
      filter={({ options: o }) => o}
      value={value?.id ?? null}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id) => onChange(options.find((p) => p.id === id) ?? null)}
      renderOption={({ option }) => {
        const p = options.find((x) => x.id === option.value);
        return (
          <div style={{ display: 'flex', gap: 8, alignItems: 'baseline', width: '100%' }}>
            <span className="bl-mono" style={{ minWidth: 96 }}>
              {p?.sku}
            </span>
            <span style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{p?.name}</span>
            {p?.barcode && (
              <span className="bl-mono" style={{ color: 'var(--mantine-color-gray-6)', fontSize: 11 }}>
                {p.barcode}
              </span>
            )}
          </div>
        );
      }}
    />
  );
}

import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconUser } from '@tabler/icons-react';
import { forwardRef, useEffect, useRef, useState } from 'react';
import type { CustomerSummary } from '../../../src-shared/contract/index';
import { client } from '../rpc';

interface Props extends Omit<SelectProps, 'data' | 'value' | 'onChange' | 'searchValue' | 'onSearchChange' | 'filter'> {
  value: CustomerSummary | null;
  onChange(customer: CustomerSummary | null): void;
}

const labelOf = (c: CustomerSummary) => `${c.code} — ${c.name}`;

/** Customer typeahead: code prefix, then name, e-mail, tax id, GLN — the engine searches (partners.customer.search). */
export const CustomerPicker = forwardRef<HTMLInputElement, Props>(function CustomerPicker({ value, onChange, ...rest }, ref) {
  const [search, setSearch] = useState(value ? labelOf(value) : '');
  const [debounced] = useDebouncedValue(search, 120);
  const [found, setFound] = useState<CustomerSummary[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const q = debounced.trim();
    if (!q || (value && q === labelOf(value))) return;
    const mine = ++seq.current;
    setLoading(true);
    client
      .call('partners.customer.search', { query: q.slice(0, 100), limit: 15 })
      .then((r) => seq.current === mine && setFound(r.rows))
      .catch(() => seq.current === mine && setFound([]))
      .finally(() => seq.current === mine && setLoading(false));
  }, [debounced, value]);

  useEffect(() => setSearch(value ? labelOf(value) : ''), [value]);

  const options = [...(value ? [value] : []), ...found.filter((c) => c.id !== value?.id)];
  return (
    <Select
      ref={ref}
      searchable
      clearable
      placeholder="Code, name, e-mail, tax id or GLN"
      leftSection={<IconUser size={13} />}
      nothingFoundMessage={loading ? 'Searching…' : debounced.trim() ? 'No customer found' : 'Type to search'}
      {...rest}
      data={options.map((c) => ({ value: c.id, label: labelOf(c) }))}
      filter={({ options: o }) => o}
      value={value?.id ?? null}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id) => onChange(options.find((c) => c.id === id) ?? null)}
      renderOption={({ option }) => {
        const c = options.find((x) => x.id === option.value);
        return (
          <div style={{ display: 'flex', gap: 8, alignItems: 'baseline', width: '100%' }}>
            <span className="bl-mono" style={{ minWidth: 80 }}>
              {c?.code}
            </span>
            <span style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{c?.name}</span>
            <span style={{ color: 'var(--mantine-color-gray-6)', fontSize: 11 }}>{c?.customerClass.replace('_', ' ')}</span>
          </div>
        );
      }}
    />
  );
});

import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { forwardRef, type ReactNode, type Ref, useEffect, useRef, useState } from 'react';

export interface RemotePickerProps<T extends { id: string }> extends Omit<SelectProps, 'data' | 'value' | 'onChange' | 'searchValue' | 'onSearchChange' | 'filter'> {
  value: T | null;
  onChange(item: T | null): void;
}

interface Config<T> {
  /** The engine query that finds matches for what was typed (it ranks; the picker only lists). */
  search(query: string): Promise<T[]>;
  labelOf(item: T): string;
  /** The three columns of an option: code, name, and a grey detail (may be empty). */
  columns(item: T): [code: string, name: string, detail?: string | null];
  codeWidth: number;
  debounceMs: number;
  noneFound: string;
}

/**
 * A "one of many" typeahead over an engine search: debounced, stale answers dropped (only the
 * latest request may set the options), the chosen item kept among the options.
 */
export function createRemotePicker<T extends { id: string }>(name: string, config: Config<T>) {
  const Picker = forwardRef(function RemotePicker({ value, onChange, ...rest }: RemotePickerProps<T>, ref: Ref<HTMLInputElement>) {
    const [search, setSearch] = useState(value ? config.labelOf(value) : '');
    const [debounced] = useDebouncedValue(search, config.debounceMs);
    const [found, setFound] = useState<T[]>([]);
    const [loading, setLoading] = useState(false);
    const seq = useRef(0);

    useEffect(() => {
      const q = debounced.trim();
      if (!q || (value && q === config.labelOf(value))) return;
      const mine = ++seq.current;
      setLoading(true);
      config
        .search(q.slice(0, 100))
        .then((rows) => seq.current === mine && setFound(rows))
        .catch(() => seq.current === mine && setFound([]))
        .finally(() => seq.current === mine && setLoading(false));
    }, [debounced, value]);

    useEffect(() => setSearch(value ? config.labelOf(value) : ''), [value]);

    const options = [...(value ? [value] : []), ...found.filter((x) => x.id !== value?.id)];
    return (
      <Select
        ref={ref}
        searchable
        clearable
        nothingFoundMessage={loading ? 'Searching…' : debounced.trim() ? config.noneFound : 'Type to search'}
        {...rest}
        data={options.map((x) => ({ value: x.id, label: config.labelOf(x) }))}
        filter={({ options: o }) => o}
        value={value?.id ?? null}
        searchValue={search}
        onSearchChange={setSearch}
        onChange={(id) => onChange(options.find((x) => x.id === id) ?? null)}
        renderOption={({ option }) => {
          const item = options.find((x) => x.id === option.value);
          const [code, label, detail] = item ? config.columns(item) : ['', ''];
          return <PickerOption code={code} name={label} detail={detail} codeWidth={config.codeWidth} />;
        }}
      />
    );
  });
  Picker.displayName = name;
  return Picker;
}

function PickerOption({ code, name, detail, codeWidth }: { code: string; name: string; detail?: ReactNode; codeWidth: number }) {
  return (
    <div style={{ display: 'flex', gap: 8, alignItems: 'baseline', width: '100%' }}>
      <span className="bl-mono" style={{ minWidth: codeWidth }}>
        {code}
      </span>
      <span style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{name}</span>
      {detail ? (
        <span className="bl-mono" style={{ color: 'var(--mantine-color-gray-6)', fontSize: 11 }}>
          {detail}
        </span>
      ) : null}
    </div>
  );
}

import { Button, Kbd } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useCallback, useRef, useState } from 'react';
import { SearchField, type SearchFieldProps } from './PageHeader';
import type { VirtualTableHandle } from './VirtualTable';

/**
 * The search of a list page: the typed text, the query the engine gets (trimmed, 200 ms after
 * typing stops, so a fast typist costs one request), and the refs that let "/" jump into the
 * search field and ArrowDown from there into the grid.
 */
export function useListSearch() {
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text.trim(), 200);
  const gridRef = useRef<VirtualTableHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const focusSearch = useCallback(() => searchRef.current?.focus(), []);
  return { text, setText, query, gridRef, searchRef, focusSearch };
}

export type ListSearch = ReturnType<typeof useListSearch>;

type ListSearchFieldProps = Omit<SearchFieldProps, 'value' | 'onChange' | 'onKeyDown'> & {
  search: ListSearch;
  /** The paged list the grid shows (usePagedWindow). */
  list: { setSelected(index: number): void };
  /** Enter in the field (e.g. open the only match). */
  onEnter?(): void;
};

/** The search field of a list page: ArrowDown leaves it for the grid, on the first row; Enter calls onEnter. */
export function ListSearchField({ search, list, onEnter, ...field }: ListSearchFieldProps) {
  return (
    <SearchField
      ref={search.searchRef}
      {...field}
      value={search.text}
      onChange={search.setText}
      onKeyDown={(e) => {
        if (e.key === 'ArrowDown') {
          e.preventDefault();
          search.gridRef.current?.focus();
          list.setSelected(0);
        } else if (e.key === 'Enter' && onEnter) {
          onEnter();
        }
      }}
    />
  );
}

/** A list page's main action, "New …", with its N shortcut shown (the page binds the key). */
export function NewButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <Button leftSection={<IconPlus size={14} />} rightSection={<Kbd size="xs">N</Kbd>} onClick={onClick}>
      {label}
    </Button>
  );
}

import { ActionIcon, Button, CloseButton, Group, Kbd, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconArrowLeft, IconSearch } from '@tabler/icons-react';
import { type ComponentPropsWithoutRef, type KeyboardEvent, type ReactNode, forwardRef } from 'react';
import { navigate } from '../app/router';

/** "1 product", "5,000 products", or "Loading…" while the count is unknown. */
export function countLabel(total: number | null | undefined, one: string, many: string): string {
  if (total === null || total === undefined) return 'Loading…';
  return `${total.toLocaleString('en-US')} ${total === 1 ? one : many}`;
}

interface PageHeaderProps {
  title: ReactNode;
  /** A record's page: its number in monospace. */
  mono?: boolean;
  /** A back arrow to the list the record came from. */
  back?: { to: string; label: string };
  /** How many rows the page lists, announced politely when it changes. */
  count?: { total: number | null | undefined; one: string; many: string; testId?: string };
  /** Badges and notes after the title. */
  children?: ReactNode;
  /** Buttons on the right. */
  actions?: ReactNode;
}

/** The bar at the top of every page: back, title, count, badges, and the page's main actions. */
export function PageHeader({ title, mono, back, count, children, actions }: PageHeaderProps) {
  return (
    <div className="bl-page-header">
      {back && (
        <Tooltip label={back.label}>
          <ActionIcon aria-label="Back" onClick={() => navigate(back.to)}>
            <IconArrowLeft size={16} />
          </ActionIcon>
        </Tooltip>
      )}
      <Title order={2} className={mono ? 'bl-mono' : undefined} style={mono ? { fontSize: 17, whiteSpace: 'nowrap' } : undefined}>
        {title}
      </Title>
      {count && (
        <Text size="sm" c="dimmed" aria-live="polite" data-testid={count.testId}>
          {countLabel(count.total, count.one, count.many)}
        </Text>
      )}
      {children}
      {actions && (
        <>
          <div style={{ flex: 1 }} />
          {actions}
        </>
      )}
    </div>
  );
}

/** The row of filters (or actions) under a page header. */
export function Toolbar({ children, ...rest }: ComponentPropsWithoutRef<'div'>) {
  return (
    <div className="bl-toolbar" {...rest}>
      {children}
    </div>
  );
}

export interface SearchFieldProps {
  label: string;
  placeholder: string;
  value: string;
  onChange(value: string): void;
  onKeyDown?(e: KeyboardEvent<HTMLInputElement>): void;
  w?: number;
  icon?: ReactNode;
  busy?: boolean;
}

/** The search box of a list: "/" focuses it (the page binds the key), × clears it. */
export const SearchField = forwardRef<HTMLInputElement, SearchFieldProps>(function SearchField({ label, placeholder, value, onChange, onKeyDown, w = 300, icon, busy }, ref) {
  return (
    <TextInput
      ref={ref}
      label={label}
      placeholder={placeholder}
      leftSection={icon ?? <IconSearch size={14} />}
      rightSection={value ? <CloseButton size="xs" aria-label="Clear search" onClick={() => onChange('')} /> : <Kbd size="xs">/</Kbd>}
      w={w}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      onKeyDown={onKeyDown}
      aria-busy={busy}
      type="search"
      autoComplete="off"
    />
  );
});

interface SectionHeadingProps {
  title: ReactNode;
  /** The button that opens the section's inline form for a new row; left out for those who may not edit. */
  add?: { label: ReactNode; onClick(): void; testId: string; shortcut?: string } | false;
}

/** The heading of a section of a settings page: its title, and on the right the button that adds a row. */
export function SectionHeading({ title, add }: SectionHeadingProps) {
  return (
    <Group justify="space-between">
      <Title order={5}>{title}</Title>
      {add && (
        <Button size="xs" onClick={add.onClick} data-testid={add.testId} title={add.shortcut}>
          {add.label}
        </Button>
      )}
    </Group>
  );
}

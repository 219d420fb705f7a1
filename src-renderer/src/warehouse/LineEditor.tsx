import { ActionIcon, NumberInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { SimpleTable, type TableColumn } from '../ui/SimpleTable';
import { type PickedProduct, ProductPicker } from './ProductPicker';

/** A line being typed into a new document: which product, how many. */
export interface LineDraft {
  key: string;
  product: PickedProduct | null;
  quantity: number | '';
}

interface Props<L extends LineDraft> {
  label: string;
  lines: L[];
  /** The form's message for a line's product, if any. */
  productError(index: number): ReactNode;
  onProduct(index: number, product: PickedProduct | null): void;
  /** The form's input props for a path such as "lines.0.quantity". */
  inputProps(path: string): object;
  onRemove(index: number): void;
  /** Columns after the quantity (a receipt's unit cost). */
  extra?: TableColumn<L>[];
  /** Focus the first line's product when the dialog opens. */
  autoFocusFirst?: boolean;
}

/** The lines of a new transfer: product typeahead, whole quantity, remove (never the last line). */
export function LineEditor<L extends LineDraft>({ label, lines, productError, onProduct, inputProps, onRemove, extra = [], autoFocusFirst }: Props<L>) {
  return (
    <SimpleTable<L>
      label={label}
      columns={[
        { id: 'no', label: '#', num: true, width: 28, render: (_, i) => i + 1 },
        {
          id: 'product',
          label: 'Product',
          render: (l, i) => (
            <ProductPicker aria-label={`Product, line ${i + 1}`} value={l.product} onChange={(p) => onProduct(i, p)} error={productError(i)} data-autofocus={autoFocusFirst && i === 0 ? true : undefined} />
          ),
        },
        {
          id: 'quantity',
          label: 'Quantity',
          num: true,
          width: 110,
          render: (_, i) => <NumberInput size="xs" aria-label={`Quantity, line ${i + 1}`} min={1} allowDecimal={false} hideControls styles={{ input: { textAlign: 'right' } }} {...inputProps(`lines.${i}.quantity`)} />,
        },
        ...extra,
        {
          id: 'remove',
          label: '',
          width: 36,
          render: (_, i) => (
            <ActionIcon aria-label={`Remove line ${i + 1}`} disabled={lines.length === 1} onClick={() => onRemove(i)}>
              <IconTrash size={14} />
            </ActionIcon>
          ),
        },
      ]}
      rows={lines}
      rowKey={(l) => l.key}
    />
  );
}

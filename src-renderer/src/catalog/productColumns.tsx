import { Badge, Text } from '@mantine/core';
import { formatMoney } from '../lib/money';
import type { Column } from '../ui/VirtualTable';
import type { Product, ProductSort } from './productWindow';

/** The product list's columns; sortable ones name the engine's sort key. */
export const PRODUCT_COLUMNS: Column<Product, ProductSort>[] = [
  { id: 'sku', label: 'SKU', width: '128px', sort: 'sku', mono: true, render: (p) => p.sku },
  { id: 'name', label: 'Name', width: 'minmax(220px, 3fr)', sort: 'name', render: (p) => p.name },
  { id: 'category', label: 'Category', width: 'minmax(130px, 1.2fr)', sort: 'category', render: (p) => p.categoryName ?? <Text span c="dimmed" fz="inherit">—</Text> },
  { id: 'uom', label: 'UoM', width: '52px', render: (p) => p.uomCode },
  { id: 'barcode', label: 'Barcode', width: '128px', mono: true, render: (p) => p.barcode ?? '' },
  { id: 'listPrice', label: 'List price', width: '100px', sort: 'listPriceMinor', num: true, render: (p) => formatMoney(p.listPriceMinor) },
  { id: 'cost', label: 'Cost', width: '92px', sort: 'costMinor', num: true, render: (p) => formatMoney(p.costMinor) },
  { id: 'updated', label: 'Updated', width: '104px', sort: 'updatedAt', render: (p) => p.updatedAt.slice(0, 10) },
  {
    id: 'status',
    label: 'Status',
    width: '92px',
    render: (p) =>
      p.active ? (
        <Badge color="teal" variant="dot" tt="none" fw={500}>
          Active
        </Badge>
      ) : (
        <Badge color="gray" variant="dot" tt="none" fw={500}>
          Archived
        </Badge>
      ),
  },
];

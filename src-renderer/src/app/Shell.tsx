import { AppShell, Avatar, Badge, Divider, Group, Kbd, Menu, NavLink, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import {
  IconAdjustments,
  IconArrowsExchange,
  IconBox,
  IconBuildingWarehouse,
  IconCategory,
  IconChartBar,
  IconChevronDown,
  IconClipboardCheck,
  IconClipboardList,
  IconCloudDownload,
  IconHeadset,
  IconHistory,
  IconListCheck,
  IconLogout,
  IconPackageImport,
  IconReceipt2,
  IconReceiptTax,
  IconRefresh,
  IconRuler2,
  IconSettings,
  IconShoppingCart,
  IconStack2,
  IconTags,
  IconTruck,
  IconTruckDelivery,
  IconUsers,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Permission } from '../../../src-shared/permissions';
import { AuditPage } from '../admin/AuditPage';
import { UsersPage } from '../admin/UsersPage';
import { UpdatesPage } from '../admin/UpdatesPage';
import { CategoriesPage } from '../catalog/CategoriesPage';
import { ProductsPage } from '../catalog/ProductsPage';
import { UomsPage } from '../catalog/UomsPage';
import { CountsPage } from '../warehouse/CountsPage';
import { InterWarehousePage } from '../warehouse/InterWarehousePage';
import { LedgerPage } from '../warehouse/LedgerPage';
import { StockPage } from '../warehouse/StockPage';
import { TransfersRoute } from '../warehouse/TransfersPage';
import { WarehouseSettingsPage } from '../warehouse/WarehouseSettingsPage';
import { WavesPage } from '../warehouse/WavesPage';
import { IconChecklist, IconFileInvoice, IconFilePlus } from '@tabler/icons-react';
import { CustomersPage } from '../partners/CustomersPage';
import { ServiceRoute } from '../service/TicketsPage';
import { ApprovalsPage } from '../sales/ApprovalsPage';
import { InvoicesPage } from '../sales/InvoicesPage';
import { ImportsPage } from '../imports/ImportsPage';
import { MappingPage } from '../imports/MappingPage';
import { PricelistsPage } from '../sales/PricelistsPage';
import { TemplatesPage } from '../admin/TemplatesPage';
import { OrderEntry } from '../sales/OrderEntry';
import { OrdersRoute } from '../sales/OrdersPage';
import { SyncIndicator } from '../sync/SyncIndicator';
import { SyncPage } from '../sync/SyncPage';
import { Brand } from './Brand';
import { PurchasingRoute } from '../purchasing/PurchaseOrdersPage';
import { ReplenishPage } from '../purchasing/ReplenishPage';
import { BillsPage } from '../purchasing/BillsPage';
import { VendorsPage } from '../purchasing/VendorsPage';
import { IconAlertTriangle, IconTrendingUp } from '@tabler/icons-react';
import { FinancePage } from '../finance/FinancePage';
import { TaxesPage } from '../finance/TaxesPage';
import { ForecastPage } from '../reports/ForecastPage';
import { InboxPage } from '../reports/InboxPage';
import { ReportsRoute } from '../reports/ReportsPage';
import { UpdateIndicator } from './UpdateIndicator';
import { NoAccess } from './NoAccess';
import { navigate, useRoute } from './router';
import { useSession } from './session';

interface Page {
  route: string;
  label: string;
  icon: ReactNode;
  needs?: Permission;
  /** Listed in the navigation only for holders of this permission (the page itself is open to everyone it allows). */
  navNeeds?: Permission;
  /** Gets the whole route, so a page can show a record below its own route ("warehouse/transfers/<id>"). */
  render(route: string): ReactNode;
}
interface Section {
  key: string;
  label: string;
  icon: ReactNode;
  pages: Page[];
}


const SECTIONS: Section[] = [
  {
    key: 'orders',
    label: 'Orders',
    icon: <IconShoppingCart size={16} />,
    pages: [
      { route: 'orders', label: 'Sales orders', icon: <IconShoppingCart size={15} />, needs: 'sales.read', render: (r) => <OrdersRoute route={r} /> },
      { route: 'orders/new', label: 'New order', icon: <IconFilePlus size={15} />, needs: 'sales.write', render: () => <OrderEntry /> },
      { route: 'orders/approvals', label: 'Approvals & tasks', icon: <IconChecklist size={15} />, needs: 'sales.read', render: () => <ApprovalsPage /> },
      { route: 'orders/invoices', label: 'Invoices', icon: <IconFileInvoice size={15} />, needs: 'sales.read', render: () => <InvoicesPage /> },
      { route: 'orders/imports', label: 'Import orders', icon: <IconFilePlus size={15} />, needs: 'sales.write', render: () => <ImportsPage /> },
      { route: 'orders/customers', label: 'Customers', icon: <IconUsers size={15} />, needs: 'partners.read', render: () => <CustomersPage /> },
      { route: 'orders/pricelists', label: 'Pricelists & rules', icon: <IconChecklist size={15} />, needs: 'pricing.read', render: () => <PricelistsPage /> },
      { route: 'orders/import-mapping', label: 'Import column mapping', icon: <IconFilePlus size={15} />, needs: 'sales.read', render: () => <MappingPage /> },
      { route: 'orders/notifications', label: 'Notification templates', icon: <IconFileInvoice size={15} />, needs: 'sales.read', render: () => <TemplatesPage /> },
    ],
  },
  {
    key: 'warehouse',
    label: 'Warehouse',
    icon: <IconBuildingWarehouse size={16} />,
    pages: [
      { route: 'warehouse/stock', label: 'Stock', icon: <IconStack2 size={15} />, needs: 'inventory.read', render: () => <StockPage /> },
      { route: 'warehouse/transfers', label: 'Transfers', icon: <IconArrowsExchange size={15} />, needs: 'inventory.read', render: (r) => <TransfersRoute route={r} base="warehouse/transfers" /> },
      { route: 'warehouse/receipts', label: 'Receipts', icon: <IconPackageImport size={15} />, needs: 'inventory.read', render: (r) => <TransfersRoute route={r} base="warehouse/receipts" preset="receipt" /> },
      { route: 'warehouse/waves', label: 'Waves & picking', icon: <IconListCheck size={15} />, needs: 'inventory.read', render: (r) => <WavesPage route={r} /> },
      { route: 'warehouse/inter', label: 'Inter-warehouse', icon: <IconTruck size={15} />, needs: 'inventory.read', render: () => <InterWarehousePage /> },
      { route: 'warehouse/counts', label: 'Cycle counts', icon: <IconClipboardCheck size={15} />, needs: 'inventory.read', render: (r) => <CountsPage route={r} /> },
      { route: 'warehouse/ledger', label: 'Stock ledger', icon: <IconHistory size={15} />, needs: 'inventory.read', render: (r) => <LedgerPage route={r} /> },
      { route: 'warehouse/settings', label: 'Warehouse settings', icon: <IconAdjustments size={15} />, needs: 'inventory.read', render: () => <WarehouseSettingsPage /> },
    ],
  },
  {
    key: 'purchasing',
    label: 'Purchasing',
    icon: <IconTruckDelivery size={16} />,
    pages: [
      { route: 'purchasing', label: 'Purchase orders', icon: <IconTruckDelivery size={15} />, needs: 'purchasing.read', render: (r) => <PurchasingRoute route={r} /> },
      { route: 'purchasing/replenish', label: 'Replenishment', icon: <IconRefresh size={15} />, needs: 'purchasing.read', render: () => <ReplenishPage /> },
      { route: 'purchasing/bills', label: 'Vendor bills', icon: <IconFileInvoice size={15} />, needs: 'purchasing.read', render: () => <BillsPage /> },
      { route: 'purchasing/vendors', label: 'Vendors', icon: <IconUsers size={15} />, needs: 'purchasing.read', render: () => <VendorsPage /> },
    ],
  },
  {
    key: 'finance',
    label: 'Finance',
    icon: <IconReceipt2 size={16} />,
    pages: [
      { route: 'finance', label: 'Books and close', icon: <IconReceipt2 size={15} />, needs: 'finance.read', render: () => <FinancePage /> },
      { route: 'finance/taxes', label: 'Taxes', icon: <IconReceiptTax size={15} />, needs: 'finance.read', render: () => <TaxesPage /> },
    ],
  },
  {
    key: 'service',
    label: 'Service',
    icon: <IconHeadset size={16} />,
    pages: [
      { route: 'service', label: 'Tickets', icon: <IconHeadset size={15} />, needs: 'service.read', render: (r) => <ServiceRoute route={r} /> },
    ],
  },
  {
    key: 'reports',
    label: 'Reports',
    icon: <IconChartBar size={16} />,
    pages: [
      { route: 'reports', label: 'Dashboards', icon: <IconChartBar size={15} />, needs: 'reports.read', render: (r) => <ReportsRoute route={r} /> },
      { route: 'reports/inbox', label: 'Exceptions inbox', icon: <IconAlertTriangle size={15} />, needs: 'reports.read', render: () => <InboxPage /> },
      { route: 'reports/forecast', label: 'Demand forecast', icon: <IconTrendingUp size={15} />, needs: 'reports.read', render: () => <ForecastPage /> },
    ],
  },
  {
    key: 'catalog',
    label: 'Catalog',
    icon: <IconTags size={16} />,
    pages: [
      { route: 'catalog/products', label: 'Products', icon: <IconBox size={15} />, needs: 'catalog.read', render: () => <ProductsPage /> },
      { route: 'catalog/categories', label: 'Categories', icon: <IconCategory size={15} />, needs: 'catalog.read', render: () => <CategoriesPage /> },
      { route: 'catalog/uoms', label: 'Units of measure', icon: <IconRuler2 size={15} />, needs: 'catalog.read', render: () => <UomsPage /> },
    ],
  },
  {
    key: 'admin',
    label: 'Admin',
    icon: <IconSettings size={16} />,
    pages: [
      { route: 'admin/users', label: 'Users', icon: <IconUsers size={15} />, needs: 'users.read', render: () => <UsersPage /> },
      { route: 'admin/audit', label: 'Audit log', icon: <IconHistory size={15} />, needs: 'system.admin', render: () => <AuditPage /> },
      // Everyone may look (the header's sync badge opens it); only admins act, so only admins see it in the menu.
      { route: 'admin/sync', label: 'Sync', icon: <IconRefresh size={15} />, navNeeds: 'system.admin', render: () => <SyncPage /> },
      { route: 'admin/updates', label: 'Updates', icon: <IconCloudDownload size={15} />, needs: 'system.admin', render: () => <UpdatesPage /> },
    ],
  },
];

export function Shell() {
  const { status, session, can, logout } = useSession();
  const route = useRoute();
  const visible = SECTIONS.map((s) => ({ ...s, pages: s.pages.filter((p) => (!p.needs || can(p.needs)) && (!p.navNeeds || can(p.navNeeds))) })).filter((s) => s.pages.length > 0);
  const all = SECTIONS.flatMap((s) => s.pages);
  // The page whose route is the longest prefix of the current one; a bare section key opens its first page.
  const page =
    all.filter((p) => route === p.route || route.startsWith(`${p.route}/`)).sort((a, b) => b.route.length - a.route.length)[0] ??
    (route === '' ? undefined : SECTIONS.find((s) => s.key === route.split('/')[0])?.pages[0]);
  const fallback = visible.find((s) => s.key === 'catalog')?.pages[0] ?? visible[0]?.pages[0];
  const shown = page ?? fallback;
  const initials = session.user.displayName
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

  return (
    <AppShell header={{ height: 46 }} navbar={{ width: 214, breakpoint: 0 }} padding={0}>
      <AppShell.Header withBorder>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Brand size="sm" />
            <Divider orientation="vertical" />
            <Text size="sm" fw={500} truncate>
              {status.companyName}
            </Text>
            <Badge variant="outline" color="gray" title={status.branchName ?? undefined}>
              Branch {status.branchCode}
            </Badge>
            {status.demo && <Badge color="orange">Demo</Badge>}
            {status.readOnly && <Badge color="red">Read-only</Badge>}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <UpdateIndicator />
            <SyncIndicator />
            <Menu position="bottom-end" width={260} shadow="md">
              <Menu.Target>
                <UnstyledButton aria-label="User menu" px={6} py={4} style={{ borderRadius: 4 }}>
                  <Group gap={8} wrap="nowrap">
                    <Avatar size={26} color="indigo" radius="xl">
                      {initials}
                    </Avatar>
                    <Stack gap={0}>
                      <Text size="sm" fw={500} lh={1.2}>
                        {session.user.displayName}
                      </Text>
                      <Text size="xs" c="dimmed" lh={1.2}>
                        {session.user.roles.join(', ')}
                      </Text>
                    </Stack>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as</Menu.Label>
                <Stack gap={6} px="sm" pb="sm">
                  <Text size="sm" fw={600}>
                    {session.user.displayName} <Text span c="dimmed" size="xs">@{session.user.username}</Text>
                  </Text>
                  <Group gap={4}>
                    {session.user.roles.map((r) => (
                      <Badge key={r} variant="light">
                        {r}
                      </Badge>
                    ))}
                  </Group>
                  <Text size="xs" c="dimmed">
                    Branch {status.branchCode} · {status.branchName}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Branchline {status.appVersion} · schema {status.schemaVersion}
                  </Text>
                </Stack>
                <Menu.Divider />
                <Menu.Item leftSection={<IconLogout size={14} />} onClick={() => void logout()}>
                  Log out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p={6}>
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label="Sections">
            {visible.map((s) =>
              s.pages.length === 1 && s.pages[0]!.route === s.key ? (
                <NavLink
                  key={s.key}
                  href={`#/${s.key}`}
                  label={s.label}
                  leftSection={s.icon}
                  active={shown?.route === s.key}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(s.key);
                  }}
                />
              ) : (
                <NavLink key={s.key} label={s.label} leftSection={s.icon} defaultOpened childrenOffset={18} component="div" role="group" aria-label={s.label}>
                  {s.pages.map((p) => (
                    <NavLink
                      key={p.route}
                      href={`#/${p.route}`}
                      label={p.label}
                      leftSection={p.icon}
                      active={shown?.route === p.route}
                      aria-current={shown?.route === p.route ? 'page' : undefined}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(p.route);
                      }}
                    />
                  ))}
                </NavLink>
              ),
            )}
          </nav>
        </AppShell.Section>
        <AppShell.Section>
          <ClipboardHint />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main h="100dvh" style={{ display: 'flex', flexDirection: 'column' }}>
        <div style={{ flex: 1, minHeight: 0 }}>
          {shown ? shown.needs && !can(shown.needs) ? <NoAccess what={shown.label} /> : shown.render(route) : <NoAccess what="any section" />}
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

const SHORTCUTS: [string[], string][] = [
  [['/'], 'Search'],
  [['N'], 'New product'],
  [['↑', '↓'], 'Move in a list'],
  [['Enter'], 'Open'],
  [['Ctrl', 'S'], 'Save'],
  [['Esc'], 'Close'],
];

/** A small reminder of the keyboard shortcuts, at the foot of the navigation. */
function ClipboardHint() {
  return (
    <Stack gap={3} p="xs" style={{ borderTop: '1px solid var(--bl-border)' }}>
      <Group gap={6} mb={2}>
        <IconClipboardList size={13} color="var(--mantine-color-gray-6)" />
        <Text size="xs" c="dimmed" fw={600}>
          Keyboard
        </Text>
      </Group>
      {SHORTCUTS.map(([keys, what]) => (
        <Group key={what} justify="space-between" gap={4} wrap="nowrap">
          <Text size="xs" c="dimmed">
            {what}
          </Text>
          <Group gap={2} wrap="nowrap">
            {keys.map((k) => (
              <Kbd key={k} size="xs">
                {k}
              </Kbd>
            ))}
          </Group>
        </Group>
      ))}
    </Stack>
  );
}

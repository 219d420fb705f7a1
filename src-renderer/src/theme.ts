import { ActionIcon, Badge, Button, Checkbox, Modal, MultiSelect, NavLink, PasswordInput, Select, Table, TextInput, Tooltip, createTheme } from '@mantine/core';

/** Dense, quiet ERP look: small controls, tight spacing, one accent colour. */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  fontFamily: 'Inter, "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", "SFMono-Regular", Consolas, "Liberation Mono", monospace',
  fontSizes: { xs: '11px', sm: '13px', md: '14px', lg: '16px', xl: '18px' },
  headings: { fontWeight: '600', sizes: { h1: { fontSize: '22px' }, h2: { fontSize: '18px' }, h3: { fontSize: '15px' }, h4: { fontSize: '14px' } } },
  focusRing: 'auto',
  components: {
    // withAsterisk: false keeps " *" out of the label text (so a label reads exactly "Name");
    // styles.css draws the asterisk for inputs marked required instead.
    TextInput: TextInput.extend({ defaultProps: { size: 'xs', withAsterisk: false } }),
    PasswordInput: PasswordInput.extend({ defaultProps: { size: 'xs', withAsterisk: false } }),
    Select: Select.extend({ defaultProps: { size: 'xs', allowDeselect: false, withAsterisk: false, comboboxProps: { shadow: 'md' } } }),
    MultiSelect: MultiSelect.extend({ defaultProps: { size: 'xs', withAsterisk: false } }),
    Checkbox: Checkbox.extend({ defaultProps: { size: 'xs' } }),
    Button: Button.extend({ defaultProps: { size: 'xs' } }),
    ActionIcon: ActionIcon.extend({ defaultProps: { variant: 'subtle', color: 'gray' } }),
    Badge: Badge.extend({ defaultProps: { size: 'sm', radius: 'sm', variant: 'light', tt: 'none', fw: 600 } }),
    Table: Table.extend({ defaultProps: { fz: 'sm', verticalSpacing: 4, horizontalSpacing: 'sm' } }),
    NavLink: NavLink.extend({ defaultProps: { py: 6 } }),
    Modal: Modal.extend({ defaultProps: { centered: true, overlayProps: { backgroundOpacity: 0.35, blur: 1 }, closeButtonProps: { 'aria-label': 'Close' } } }),
    Tooltip: Tooltip.extend({ defaultProps: { openDelay: 400, withArrow: true } }),
  },
});

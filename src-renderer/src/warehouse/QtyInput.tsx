import { NumberInput, type NumberInputProps } from '@mantine/core';

/** A whole, non-negative quantity typed into a table cell (done, counted): right-aligned, no spinners. */
export function QtyInput(props: NumberInputProps) {
  return <NumberInput size="xs" min={0} allowDecimal={false} allowNegative={false} hideControls styles={{ input: { textAlign: 'right', fontVariantNumeric: 'tabular-nums', fontWeight: 600 } }} {...props} />;
}

import { SegmentedControl, type SegmentedControlProps, Text } from '@mantine/core';
import { useId } from 'react';

/** A SegmentedControl with a visible label above it (named by it for screen readers), like the other filters. */
export function SegmentedField({ label, ...props }: { label: string } & SegmentedControlProps) {
  const id = useId();
  return (
    <div>
      <Text component="label" id={id} size="xs" fw={500} display="block" mb={2}>
        {label}
      </Text>
      <SegmentedControl size="xs" aria-labelledby={id} {...props} />
    </div>
  );
}

import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconGitBranch } from '@tabler/icons-react';

export function Brand({ size = 'md' }: { size?: 'sm' | 'md' | 'lg' }) {
  const px = size === 'lg' ? 34 : size === 'md' ? 26 : 22;
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={px} radius="sm" variant="gradient" gradient={{ from: 'indigo.7', to: 'cyan.6', deg: 135 }}>
        <IconGitBranch size={px * 0.62} stroke={2.2} />
      </ThemeIcon>
      <Text className="bl-brand" fz={size === 'lg' ? 22 : size === 'md' ? 16 : 14}>
        Branchline
      </Text>
    </Group>
  );
}

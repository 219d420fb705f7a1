import { Alert, Center } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';

export function NoAccess({ what }: { what: string }) {
  return (
    <Center p="xl">
      <Alert color="gray" icon={<IconLock size={18} />} title="Not available to your roles" maw={480}>
        Your roles do not include access to {what}. Ask an admin if you need it.
      </Alert>
    </Center>
  );
}

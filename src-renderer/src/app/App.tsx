import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import { IconPlugConnectedX } from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Permission } from '../../../src-shared/permissions';
import { client, messageOf, onSessionExpired } from '../rpc';
import { FirstRunScreen } from './FirstRunScreen';
import { LoginScreen } from './LoginScreen';
import { type Session, SessionContext, type SessionContextValue, type SystemStatus } from './session';
import { Shell } from './Shell';

type Phase =
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'firstRun'; status: SystemStatus }
  | { kind: 'login'; status: SystemStatus; notice?: string }
  | { kind: 'app'; status: SystemStatus; session: Session };

/** Boot: is the install set up (first run), is someone logged in (login), else the app. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const boot = useCallback(async (notice?: string) => {
    try {
      const status = await client.call('system.status', {});
      if (!status.initialized) return setPhase({ kind: 'firstRun', status });
      const session = await client.call('auth.session', {});
      setPhase(session ? { kind: 'app', status, session } : { kind: 'login', status, notice });
    } catch (e) {
      setPhase({ kind: 'unreachable', message: messageOf(e) });
    }
  }, []);

  useEffect(() => {
    void boot();
  }, [boot]);

  useEffect(
    () =>
      onSessionExpired((e) => {
        setPhase((p) => (p.kind === 'app' ? { kind: 'login', status: p.status, notice: e.message } : p));
      }),
    [],
  );

  const logout = useCallback(async () => {
    try {
      await client.call('auth.logout', {});
    } finally {
      await boot();
    }
  }, [boot]);

  const ctx = useMemo<SessionContextValue | null>(() => {
    if (phase.kind !== 'app') return null;
    const granted = new Set(phase.session.permissions);
    return { status: phase.status, session: phase.session, can: (p: Permission) => granted.has(p), logout };
  }, [phase, logout]);

  switch (phase.kind) {
    case 'loading':
      return (
        <Center h="100%">
          <Stack align="center" gap="xs">
            <Loader size="sm" />
            <Text size="sm" c="dimmed">
              Starting Branchline…
            </Text>
          </Stack>
        </Center>
      );
    case 'unreachable':
      return (
        <Center h="100%" p="xl">
          <Alert color="red" title="Cannot reach the Branchline engine" icon={<IconPlugConnectedX size={18} />} maw={480}>
            <Text size="sm" mb="sm">
              {phase.message}
            </Text>
            <Button variant="light" color="red" onClick={() => void boot()}>
              Try again
            </Button>
          </Alert>
        </Center>
      );
    case 'firstRun':
      return <FirstRunScreen onDone={(notice) => void boot(notice)} />;
    case 'login':
      return <LoginScreen status={phase.status} notice={phase.notice} onLoggedIn={(session) => setPhase({ kind: 'app', status: phase.status, session })} />;
    case 'app':
      return (
        <SessionContext.Provider value={ctx}>
          <Shell />
        </SessionContext.Provider>
      );
  }
}

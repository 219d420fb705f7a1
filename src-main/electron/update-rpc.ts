/**
 * The header's update indicator in the desktop app. The renderer asks through the one RPC
 * channel (`updates.client.*`); the engine checks the caller and the input first (it has no
 * updater and would answer "unmanaged"), then the main process answers from its updater:
 * status and progress, a background download, and "Restart to update", which installs only
 * when the update policy allows (src-main/update/policy.ts decideInstall).
 */
import type { ClientUpdateStatusValue } from '../../src-shared/contract/updates';
import type { EngineService } from '../host/engine-service';
import type { UpdateSnapshot } from '../update/controller';

/** What the indicator needs from the desktop updater (electronUpdater in updater.ts). */
export interface ClientUpdater {
  status(): UpdateSnapshot;
  download(): Promise<UpdateSnapshot>;
  restartToUpdate(): Promise<UpdateSnapshot>;
}

export const CLIENT_UPDATE_METHODS = ['updates.client.status', 'updates.client.download', 'updates.client.restart'] as const;

export function isClientUpdater(value: unknown): value is ClientUpdater {
  const u = value as Partial<ClientUpdater> | null;
  return !!u && typeof u.status === 'function' && typeof u.download === 'function' && typeof u.restartToUpdate === 'function';
}

export function toClientStatus(s: UpdateSnapshot): ClientUpdateStatusValue {
  return {
    state: s.state,
    currentVersion: s.currentVersion,
    channel: s.channel,
    availableVersion: s.availableVersion,
    forced: s.forced,
    forcedWhy: s.forcedWhy,
    progress: s.progress,
    message: s.message,
    installAt: s.installAt,
    fixed: [...s.fixed],
  };
}

/** The engine service with `updates.client.*` answered by the updater (when there is one). */
export function withClientUpdates(service: EngineService, updater: ClientUpdater | null): EngineService {
  if (!updater) return service;
  return {
    ...service,
    async call(method, input, caller) {
      if (!(CLIENT_UPDATE_METHODS as readonly string[]).includes(method)) return service.call(method, input, caller);
      // The engine decides who may ask (and refuses bad input) before the updater does anything.
      const checked = await service.call(method, input, caller);
      if (!checked.ok) return checked;
      const snapshot =
        method === 'updates.client.download' ? await updater.download() : method === 'updates.client.restart' ? await updater.restartToUpdate() : updater.status();
      return { ok: true, value: toClientStatus(snapshot) };
    },
    endSession: (key) => service.endSession(key),
    onEvent: (listener) => service.onEvent(listener),
    close: () => service.close(),
  };
}

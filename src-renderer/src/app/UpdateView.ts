import type { ClientUpdateStatusValue } from '../../../src-shared/contract/updates';

/** What the header's update indicator shows for a status (null: nothing to show). */
export interface UpdateView {
  label: string;
  color: 'indigo' | 'teal' | 'orange' | 'red' | 'gray';
  /** The one thing the user can do now. */
  action: 'download' | 'restart' | null;
  /** The tooltip: why it waits, what failed, why it is required, who fixed the settings. */
  detail: string;
  /** 0–100 while downloading. */
  percent: number | null;
  /** How soon to ask again (ms): often while something moves, rarely otherwise. */
  pollMs: number;
}

const FIXED_LABELS: Record<string, string> = { updateUrl: 'update server', channel: 'channel', deviceGroup: 'device group', centralUrl: 'central database', checkIntervalHours: 'check interval', autoDownload: 'background download', releaseDir: 'update folder' };

export function fixedNote(fixed: readonly string[]): string {
  if (fixed.length === 0) return '';
  return `Set by your administrator: ${fixed.map((k) => FIXED_LABELS[k] ?? k).join(', ')}.`;
}

const QUIET = 60_000;
const BUSY = 1_500;

export function updateView(s: ClientUpdateStatusValue | null, now: number = Date.now()): UpdateView | null {
  if (!s) return null;
  const note = fixedNote(s.fixed);
  const join = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(' ');
  const required = s.forced ? `Required: ${s.forcedWhy ?? 'the administrator marked it so'}.` : null;
  switch (s.state) {
    case 'available':
      return { label: `Update ${s.availableVersion} available`, color: s.forced ? 'red' : 'indigo', action: 'download', detail: join(`Branchline ${s.availableVersion} is available on the ${s.channel} channel; it downloads in the background.`, required, note), percent: null, pollMs: BUSY };
    case 'downloading': {
      const percent = Math.max(0, Math.min(100, Math.round(s.progress?.percent ?? 0)));
      return { label: `Downloading update ${percent} %`, color: 'indigo', action: null, detail: join(`Downloading Branchline ${s.availableVersion}; keep working.`, required, note), percent, pollMs: BUSY };
    }
    case 'ready': {
      const at = s.installAt ? Date.parse(s.installAt) : Number.NaN;
      const when = Number.isFinite(at) ? ` It installs by itself in ${Math.max(1, Math.ceil((at - now) / 60_000))} minute(s).` : '';
      return { label: 'Restart to update', color: s.forced ? 'red' : 'teal', action: 'restart', detail: join(`Branchline ${s.availableVersion} is downloaded. Restarting upgrades the database after a backup.${when}`, required, note), percent: null, pollMs: s.forced ? BUSY * 4 : QUIET };
    }
    case 'waiting':
      return { label: 'Update waits', color: 'orange', action: 'restart', detail: join(s.message ?? 'The update installs when Branchline is free.', required, note), percent: null, pollMs: BUSY * 4 };
    case 'installing':
      return { label: 'Installing update…', color: 'teal', action: null, detail: join(s.message, note), percent: null, pollMs: BUSY };
    case 'error':
      return { label: 'Update problem', color: 'red', action: null, detail: join(s.message ?? 'The last update check failed; it is tried again later.', note), percent: null, pollMs: QUIET };
    default:
      // unmanaged, disabled, idle, checking, up to date: nothing to show in the header.
      return null;
  }
}

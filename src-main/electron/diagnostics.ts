/**
 * Diagnostics in the desktop app: the structured, rotating log file every part can write to,
 * and "Export diagnostics…" (a save dialog, then the support zip). Electron comes in as a
 * parameter; nothing here loads it.
 *
 * Wiring (index.ts): const diagnostics = desktopDiagnostics({ dataDir: app.getPath('userData'), versions: process.versions, appVersion: app.getVersion() });
 * use diagnostics.log('main') as the main-process logger, and call diagnostics.exportInteractive(dialog, window)
 * from a menu item or the Admin screen's contract method.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteActivityProbe } from '../update/activity';
import { type DiagnosticsReport, RotatingLog, exportDiagnostics, logFiles } from '../update/diagnostics';
import { type EffectiveSettings, loadSettings } from '../update/settings';

export interface SaveDialog {
  showSaveDialog(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface DesktopDiagnostics {
  /** A logger for one part of the app, writing JSON lines to <userData>/logs/branchline.log. */
  log(scope: string): (message: string, error?: unknown) => void;
  /** Writes the support zip to a chosen file. */
  exportTo(file: string, extra?: Record<string, unknown>): Promise<DiagnosticsReport>;
  /** Asks where to save, then exports. Resolves null when the user cancels. */
  exportInteractive(dialog: SaveDialog, extra?: Record<string, unknown>): Promise<DiagnosticsReport | null>;
}

export function desktopDiagnostics(options: { dataDir: string; appVersion: string; versions: Record<string, string | undefined>; policyFile?: string; now?: () => Date; echo?: boolean }): DesktopDiagnostics {
  const logDir = join(options.dataDir, 'logs');
  const file = new RotatingLog({ dir: logDir, name: 'branchline', echo: options.echo, now: options.now });
  const settings = (): EffectiveSettings =>
    loadSettings({
      dataDir: options.dataDir,
      policyFile: options.policyFile,
      probes: {
        readText: (p) => {
          try {
            return readFileSync(p, 'utf8');
          } catch {
            return undefined;
          }
        },
      },
    });
  const exportTo = async (out: string, extra: Record<string, unknown> = {}) => {
    const s = settings();
    const activity = await sqliteActivityProbe(join(options.dataDir, 'branch.sqlite'))().catch((error: unknown) => ({ error: String(error) }));
    return exportDiagnostics({
      outFile: out,
      logFiles: [...logFiles(logDir, 'branchline'), ...logFiles(logDir, 'updates')],
      versions: { app: options.appVersion, electron: options.versions.electron ?? null, chrome: options.versions.chrome ?? null, node: options.versions.node ?? null, platform: `${process.platform}-${process.arch}` },
      settings: { values: s.values, fixed: s.fixed, source: s.source, warnings: s.warnings },
      syncStatus: activity,
      extra,
      now: options.now,
    });
  };
  return {
    log: (scope) => file.logger(scope),
    exportTo,
    async exportInteractive(dialog, extra) {
      const stamp = (options.now ?? (() => new Date()))().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      const choice = await dialog.showSaveDialog({ title: 'Export diagnostics', defaultPath: `branchline-diagnostics-${stamp}.zip`, filters: [{ name: 'Zip archive', extensions: ['zip'] }] });
      if (choice.canceled || !choice.filePath) return null;
      return exportTo(choice.filePath, extra);
    },
  };
}

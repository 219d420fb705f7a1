import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Branchline keeps its data when no --db is given: the same folder Electron's
 * app.getPath('userData') uses for an app named "Branchline", so the desktop app, the
 * CLI and the headless host open the same database.
 */
export function defaultDataDir(): string {
  if (process.env.BRANCHLINE_HOME) return process.env.BRANCHLINE_HOME;
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Branchline');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Branchline');
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Branchline');
}

export function defaultDbFile(): string {
  return process.env.BRANCHLINE_DB ?? join(defaultDataDir(), 'branch.sqlite');
}

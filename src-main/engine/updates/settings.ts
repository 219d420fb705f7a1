/**
 * Settings an administrator may fix for every user of a machine: the update server, the
 * update channel, the device group and the central database. They live in two files:
 *
 * - the user's `settings.json` in the data folder (what the app's settings screen writes);
 * - a machine-wide policy file ordinary users cannot edit:
 *     Linux    /etc/branchline/policy.json
 *     Windows  %ProgramData%\Branchline\policy.json
 *     macOS    /Library/Application Support/Branchline/policy.json
 *
 * Every key at the top level of the policy file is *fixed*: it wins over the user's value and
 * the app shows it as "set by your administrator". Keys under `"defaults"` are only defaults
 * the user may change. There is deliberately no environment variable to point at another
 * policy file: that would let any user replace the administrator's choices.
 *
 * `mergeSettings` is pure; `loadSettings` reads the two files through injected probes.
 */
import { isAbsolute, join } from 'node:path';
import { isVersion } from './version';

export const CHANNELS = ['stable', 'beta'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Settings {
  /** Base URL of the update server (any HTTPS static host); null: updates are off. */
  updateUrl: string | null;
  channel: Channel;
  /** A group of devices the administrator can move to another channel together (e.g. "pilot"). */
  deviceGroup: string | null;
  /** The centre this install may register with (postgres://…, without a password). */
  centralUrl: string | null;
  /** Hours between update checks (1–48); the app also checks at start. */
  checkIntervalHours: number;
  /** Download updates in the background when found. */
  autoDownload: boolean;
  /** The update server's folder as this machine sees it (a local path or a mounted share): where the Admin "Updates" screen reads releases and changes rollouts. */
  releaseDir: string | null;
}

export type SettingKey = keyof Settings;
export const SETTING_KEYS: readonly SettingKey[] = ['updateUrl', 'channel', 'deviceGroup', 'centralUrl', 'checkIntervalHours', 'autoDownload', 'releaseDir'];

export const DEFAULT_SETTINGS: Settings = {
  updateUrl: null,
  channel: 'stable',
  deviceGroup: null,
  centralUrl: null,
  checkIntervalHours: 4,
  autoDownload: true,
  releaseDir: null,
};

export type SettingSource = 'machine' | 'machine-default' | 'user' | 'default';

export interface EffectiveSettings {
  values: Settings;
  /** Keys fixed by the machine policy: shown read-only, "set by your administrator". */
  fixed: SettingKey[];
  source: Record<SettingKey, SettingSource>;
  /** Problems found in either file (an unknown key, a bad value): the value is then ignored. */
  warnings: string[];
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

/** An update URL must be HTTPS; plain HTTP only to this machine (trials and tests). */
export function checkUpdateUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `updateUrl "${value}" is not a URL`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return null;
  return `updateUrl must use https:// (plain http only to 127.0.0.1): ${value}`;
}

/** Checks one value; returns the cleaned value or an error message. */
export function checkSetting(key: SettingKey, value: unknown): { ok: true; value: Settings[SettingKey] } | { ok: false; message: string } {
  const bad = (message: string) => ({ ok: false as const, message });
  switch (key) {
    case 'updateUrl': {
      if (value === null) return { ok: true, value: null };
      if (typeof value !== 'string') return bad('updateUrl must be a string');
      const problem = checkUpdateUrl(value);
      return problem ? bad(problem) : { ok: true, value: value.replace(/\/+$/, '') };
    }
    case 'channel':
      return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value) ? { ok: true, value } : bad(`channel must be one of ${CHANNELS.join(', ')}`);
    case 'deviceGroup':
      if (value === null) return { ok: true, value: null };
      return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(value) ? { ok: true, value } : bad('deviceGroup must be 1–40 letters, digits, dots, dashes or underscores');
    case 'centralUrl': {
      if (value === null) return { ok: true, value: null };
      if (typeof value !== 'string' || !/^postgres(ql)?:\/\//.test(value)) return bad('centralUrl must be a postgres:// URL');
      try {
        if (new URL(value).password) return bad('centralUrl must not contain a password');
      } catch {
        return bad('centralUrl is not a URL');
      }
      return { ok: true, value };
    }
    case 'checkIntervalHours':
      return typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 48 ? { ok: true, value } : bad('checkIntervalHours must be a number from 1 to 48');
    case 'autoDownload':
      return typeof value === 'boolean' ? { ok: true, value } : bad('autoDownload must be true or false');
    case 'releaseDir':
      if (value === null) return { ok: true, value: null };
      return typeof value === 'string' && value.length <= 500 && (isAbsolute(value) || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\'))
        ? { ok: true, value }
        : bad('releaseDir must be a full folder path (e.g. /srv/updates or \\\\server\\updates)');
  }
}

function readLayer(raw: unknown, label: string, warnings: string[]): Partial<Settings> {
  const out: Partial<Settings> = {};
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    warnings.push(`${label} is not a JSON object; ignored`);
    return out;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'defaults' || key === '$comment') continue;
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      warnings.push(`${label}: unknown setting "${key}" ignored`);
      continue;
    }
    const checked = checkSetting(key as SettingKey, value);
    if (checked.ok) (out as Record<string, unknown>)[key] = checked.value;
    else warnings.push(`${label}: ${checked.message}; ignored`);
  }
  return out;
}

/**
 * Merges the user's settings with the machine policy. Precedence: machine (fixed) > user >
 * machine defaults > built-in defaults. `user` and `machine` are the parsed JSON files
 * (undefined when absent).
 */
export function mergeSettings(user: unknown, machine: unknown): EffectiveSettings {
  const warnings: string[] = [];
  const fixedLayer = readLayer(machine, 'machine policy', warnings);
  const machineDefaults = readLayer(
    machine && typeof machine === 'object' && !Array.isArray(machine) ? (machine as { defaults?: unknown }).defaults : undefined,
    'machine policy defaults',
    warnings,
  );
  const userLayer = readLayer(user, 'user settings', warnings);
  const values = { ...DEFAULT_SETTINGS };
  const source = Object.fromEntries(SETTING_KEYS.map((k) => [k, 'default'])) as Record<SettingKey, SettingSource>;
  const apply = (layer: Partial<Settings>, from: SettingSource) => {
    for (const key of Object.keys(layer) as SettingKey[]) {
      (values as Record<string, unknown>)[key] = layer[key];
      source[key] = from;
    }
  };
  apply(machineDefaults, 'machine-default');
  apply(userLayer, 'user');
  apply(fixedLayer, 'machine');
  const fixed = SETTING_KEYS.filter((k) => k in fixedLayer);
  for (const key of fixed) if (key in userLayer) warnings.push(`${key} is set by the administrator; the user's value is not used`);
  return { values, fixed, source, warnings };
}

/** Where the machine policy lives on this platform. */
export function machinePolicyFile(platform: NodeJS.Platform = process.platform, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (platform === 'win32') return join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'Branchline', 'policy.json');
  if (platform === 'darwin') return join('/Library', 'Application Support', 'Branchline', 'policy.json');
  return join('/etc', 'branchline', 'policy.json');
}

export const userSettingsFile = (dataDir: string) => join(dataDir, 'settings.json');

export interface SettingsProbes {
  readText(path: string): string | undefined;
  /** POSIX mode bits of a file, or undefined (Windows, or unknown). */
  mode?(path: string): number | undefined;
}

function parseJson(text: string | undefined, label: string, warnings: string[]): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    warnings.push(`${label} is not valid JSON (${error instanceof Error ? error.message : String(error)}); ignored`);
    return undefined;
  }
}

/**
 * Reads both files and merges them. A policy file that others than its owner may write is
 * ignored (on POSIX): any user could otherwise point every install at their own server.
 */
export function loadSettings(options: { dataDir: string; policyFile?: string; probes: SettingsProbes }): EffectiveSettings & { policyFile: string; settingsFile: string } {
  const policyFile = options.policyFile ?? machinePolicyFile();
  const settingsFile = userSettingsFile(options.dataDir);
  const warnings: string[] = [];
  let machineText = options.probes.readText(policyFile);
  const mode = machineText === undefined ? undefined : options.probes.mode?.(policyFile);
  if (mode !== undefined && (mode & 0o022) !== 0) {
    warnings.push(`${policyFile} is writable by users other than its owner; it is ignored until an administrator runs chmod go-w on it`);
    machineText = undefined;
  }
  const machine = parseJson(machineText, policyFile, warnings);
  const user = parseJson(options.probes.readText(settingsFile), settingsFile, warnings);
  const merged = mergeSettings(user, machine);
  return { ...merged, warnings: [...warnings, ...merged.warnings], policyFile, settingsFile };
}

/**
 * The user's settings after changing one key. Refuses a key the administrator fixed, and a
 * bad value. Returns the new JSON object to write to settings.json.
 */
export function changeUserSetting(current: unknown, effective: EffectiveSettings, key: SettingKey, value: unknown): Record<string, unknown> {
  if (effective.fixed.includes(key)) throw new Error(`${key} is set by your administrator and cannot be changed here`);
  const checked = checkSetting(key, value);
  if (!checked.ok) throw new Error(checked.message);
  const base = current && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
  base[key] = checked.value;
  return base;
}

/** A min-version value as the centre stores it. */
export function checkMinVersion(value: string): string {
  if (!isVersion(value) || value.includes('-')) throw new Error(`"${value}" is not a release version X.Y.Z`);
  return value.replace(/^v/, '');
}

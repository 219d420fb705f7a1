/**
 * Publishing releases to an update server folder (any static HTTPS host serves it as is):
 *
 *   DIR/Branchline-1.4.0-x64.AppImage, …-x64.deb, …-x64.exe, …-arm64.zip, …-arm64.dmg (+ .blockmap)
 *   DIR/latest.yml, latest-mac.yml, latest-linux.yml   the stable channel (electron-builder's names)
 *   DIR/beta.yml, beta-mac.yml, beta-linux.yml         the beta channel
 *   DIR/channels.json                                   channel per branch / device group
 *
 * Artifacts are copied first (under a temporary name, then renamed), the channel's metadata
 * last, each metadata file replaced atomically: a client never sees metadata naming a file
 * that is not complete. An artifact name never changes content once published.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, copyFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import yaml from 'js-yaml';
import { CHANNEL_ASSIGNMENTS_FILE, type ChannelAssignments, channelName, checkRolloutPercent, parseAssignments } from './policy';
import { CHANNELS, type Channel, checkSetting } from './settings';
import { compareVersions, isVersion, parseVersion } from './version';

export type Platform = 'linux' | 'win' | 'mac';

export interface Artifact {
  file: string;
  name: string;
  platform: Platform;
  arch: string;
  kind: 'AppImage' | 'deb' | 'exe' | 'zip' | 'dmg';
  version: string | null;
}

/** One entry of `files:` in a channel's metadata, as electron-builder writes it. */
export interface MetadataFile {
  url: string;
  sha512: string;
  size: number;
  blockMapSize?: number;
}

export interface ChannelMetadata {
  version: string;
  files: MetadataFile[];
  path: string;
  sha512: string;
  releaseDate: string;
  stagingPercentage?: number;
  /** Branchline's own field: the administrator requires this release (installs even with unsent changes). */
  branchlineRequired?: boolean;
}

const KINDS: Record<string, { kind: Artifact['kind']; platform: Platform }> = {
  '.appimage': { kind: 'AppImage', platform: 'linux' },
  '.deb': { kind: 'deb', platform: 'linux' },
  '.exe': { kind: 'exe', platform: 'win' },
  '.zip': { kind: 'zip', platform: 'mac' },
  '.dmg': { kind: 'dmg', platform: 'mac' },
};

function archOf(name: string): string {
  const lower = name.toLowerCase();
  if (/(^|[-_.])(arm64|aarch64)([-_.]|$)/.test(lower)) return 'arm64';
  if (/(^|[-_.])(armv7l|armhf)([-_.]|$)/.test(lower)) return 'armv7l';
  if (/(^|[-_.])(ia32|i386)([-_.]|$)/.test(lower)) return 'ia32';
  if (/(^|[-_.])universal([-_.]|$)/.test(lower)) return 'universal';
  return 'x64';
}

const NOT_PRERELEASE = /^-(x64|amd64|x86_64|arm64|aarch64|armv7l|armhf|ia32|i386|universal|setup|mac|win|linux)$/i;

/** The version in an installer name: Branchline-1.4.0-x64.AppImage, branchline_1.4.0_amd64.deb, Branchline-1.5.0-beta.1-arm64.zip. */
function versionOf(name: string): string | null {
  const stem = name.replace(/\.[A-Za-z0-9]+$/, '');
  const m = /(\d+\.\d+\.\d+)((?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)/.exec(stem);
  if (!m) return null;
  const pre = m[2] && !NOT_PRERELEASE.test(m[2]) ? m[2] : '';
  const version = `${m[1]}${pre}`;
  return isVersion(version) ? version : null;
}

/** The installable artifacts in an electron-builder output folder. */
export function findArtifacts(distDir: string): Artifact[] {
  if (!existsSync(distDir) || !statSync(distDir).isDirectory()) throw new Error(`${distDir} is not a folder`);
  const out: Artifact[] = [];
  for (const name of readdirSync(distDir).sort()) {
    const file = join(distDir, name);
    if (!statSync(file).isFile()) continue;
    const ext = name.slice(name.lastIndexOf('.')).toLowerCase();
    const kind = KINDS[ext];
    if (!kind || /uninstall/i.test(name)) continue;
    out.push({ file, name, platform: kind.platform, arch: archOf(name), kind: kind.kind, version: versionOf(name) });
  }
  return out;
}

export function sha512Base64(file: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha512');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('base64')));
  });
}

/** The metadata file name for a channel, platform and arch (electron-updater's naming). */
export function metadataName(channel: Channel, platform: Platform, arch: string): string {
  const base = channelName(channel);
  if (platform === 'win') return `${base}.yml`;
  if (platform === 'mac') return `${base}-mac.yml`;
  return `${base}-linux${arch === 'x64' ? '' : `-${arch}`}.yml`;
}

/** Every metadata file a channel may have in a folder. */
export function channelMetadataFiles(dir: string, channel: Channel): string[] {
  const base = channelName(channel);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === `${base}.yml` || f === `${base}-mac.yml` || f === `${base}-linux.yml` || new RegExp(`^${base}-linux-[a-z0-9]+\\.yml$`).test(f))
    .sort();
}

export function readMetadata(file: string): ChannelMetadata {
  const data = yaml.load(readFileSync(file, 'utf8')) as ChannelMetadata | undefined;
  if (!data || typeof data !== 'object' || typeof data.version !== 'string' || !Array.isArray(data.files)) throw new Error(`${file} is not release metadata`);
  return data;
}

/** Writes a file atomically: a temporary file beside it, then a rename. */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function dumpMetadata(meta: ChannelMetadata): string {
  return yaml.dump(meta, { lineWidth: -1, noRefs: true });
}

async function copyArtifact(src: string, destDir: string, expectedSha512: string): Promise<'copied' | 'present'> {
  const dest = join(destDir, basename(src));
  if (existsSync(dest)) {
    if ((await sha512Base64(dest)) === expectedSha512) return 'present';
    throw new Error(`${dest} is already published with different content; an artifact never changes once published (give the build a new version)`);
  }
  const tmp = join(destDir, `.partial-${process.pid}-${basename(src)}`);
  copyFileSync(src, tmp);
  if ((await sha512Base64(tmp)) !== expectedSha512) {
    rmSync(tmp, { force: true });
    throw new Error(`copying ${src} produced a different file; nothing was published`);
  }
  renameSync(tmp, dest);
  return 'copied';
}

export interface PublishOptions {
  distDir: string;
  outDir: string;
  channel: Channel;
  /** Staged rollout, percent of installs (100 or undefined: everyone). */
  rollout?: number;
  /** The administrator requires this release: it installs even with unsent changes. */
  required?: boolean;
  /** The version, when the artifact names do not say it. */
  version?: string;
  /** Publish although the channel already offers a newer version. */
  allowOlder?: boolean;
  now?: () => Date;
}

export interface PublishReport {
  version: string;
  channel: Channel;
  rollout: number;
  artifacts: { name: string; sha512: string; size: number; state: 'copied' | 'present' }[];
  metadata: string[];
}

export async function publishRelease(options: PublishOptions): Promise<PublishReport> {
  if (!(CHANNELS as readonly string[]).includes(options.channel)) throw new Error(`--channel must be one of ${CHANNELS.join(', ')}`);
  const rollout = checkRolloutPercent(options.rollout ?? 100);
  const artifacts = findArtifacts(options.distDir);
  if (artifacts.length === 0) throw new Error(`${options.distDir} holds no installers (.AppImage, .deb, .exe, .zip, .dmg); run npm run dist first`);
  const versions = new Set(artifacts.map((a) => a.version).filter((v): v is string => v !== null));
  if (options.version && !isVersion(options.version)) throw new Error(`--version "${options.version}" is not a version`);
  const version = options.version ?? (versions.size === 1 ? [...versions][0]! : null);
  if (!version) {
    throw new Error(versions.size > 1 ? `${options.distDir} mixes versions (${[...versions].join(', ')}); publish one build at a time` : 'The installer names carry no version; give --version X.Y.Z');
  }
  if (versions.size > 1 || (versions.size === 1 && !versions.has(version))) throw new Error(`The installers are version ${[...versions].join(', ')}, not ${version}`);
  if (options.channel === 'stable' && (parseVersion(version)?.pre.length ?? 0) > 0) throw new Error(`${version} is a pre-release; publish it to the beta channel`);

  // Group by metadata file; macOS auto-update needs the zip (the dmg is for first installs).
  const groups = new Map<string, Artifact[]>();
  for (const a of artifacts) {
    const name = metadataName(options.channel, a.platform, a.platform === 'mac' ? 'x64' : a.arch);
    groups.set(name, [...(groups.get(name) ?? []), a]);
  }
  for (const [name, list] of groups) {
    if (list.some((a) => a.platform === 'mac') && !list.some((a) => a.kind === 'zip')) throw new Error(`${name}: macOS updates need the .zip target beside the .dmg`);
    const existing = join(options.outDir, name);
    if (existsSync(existing) && !options.allowOlder) {
      const current = readMetadata(existing).version;
      if (compareVersions(version, current) < 0) {
        throw new Error(`${name} already offers ${current}, newer than ${version}; clients never downgrade. Publish a newer version, or halt ${current} with \`release rollout --percent 0\``);
      }
    }
  }

  mkdirSync(options.outDir, { recursive: true });
  const report: PublishReport = { version, channel: options.channel, rollout, artifacts: [], metadata: [] };
  const infos = new Map<string, MetadataFile>();
  // 1. Artifacts (and their block maps) first.
  for (const a of artifacts) {
    const sha512 = await sha512Base64(a.file);
    const size = statSync(a.file).size;
    const state = await copyArtifact(a.file, options.outDir, sha512);
    report.artifacts.push({ name: a.name, sha512, size, state });
    const info: MetadataFile = { url: a.name, sha512, size };
    const blockmap = `${a.file}.blockmap`;
    if (existsSync(blockmap)) {
      const bmSha = await sha512Base64(blockmap);
      await copyArtifact(blockmap, options.outDir, bmSha);
      info.blockMapSize = statSync(blockmap).size;
    }
    infos.set(a.name, info);
  }
  // 2. Metadata last, each file replaced atomically.
  const releaseDate = (options.now ?? (() => new Date()))().toISOString();
  for (const [name, list] of groups) {
    // The preferred file first: it is the `path` older clients download.
    const order: Artifact['kind'][] = ['zip', 'exe', 'AppImage', 'deb', 'dmg'];
    const sorted = [...list].sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
    const files = sorted.map((a) => infos.get(a.name)!);
    const main = files[0]!;
    const meta: ChannelMetadata = { version, files, path: main.url, sha512: main.sha512, releaseDate };
    if (rollout < 100) meta.stagingPercentage = rollout;
    if (options.required) meta.branchlineRequired = true;
    writeAtomic(join(options.outDir, name), dumpMetadata(meta));
    report.metadata.push(name);
  }
  return report;
}

/** Changes the staged rollout of a channel's current release: raise it, or halt it with 0. */
export function setRollout(options: { dir: string; channel: Channel; percent: number; required?: boolean }): { files: string[]; version: string } {
  const percent = checkRolloutPercent(options.percent);
  const files = channelMetadataFiles(options.dir, options.channel);
  if (files.length === 0) throw new Error(`${options.dir} has no ${options.channel} release (no ${channelName(options.channel)}*.yml)`);
  const versions = new Set<string>();
  for (const name of files) {
    const file = join(options.dir, name);
    const meta = readMetadata(file);
    versions.add(meta.version);
    if (percent >= 100) delete meta.stagingPercentage;
    else meta.stagingPercentage = percent;
    if (options.required !== undefined) {
      if (options.required) meta.branchlineRequired = true;
      else delete meta.branchlineRequired;
    }
    writeAtomic(file, dumpMetadata(meta));
  }
  return { files, version: [...versions].join(', ') };
}

export interface ChannelState {
  channel: Channel;
  file: string;
  version: string;
  rollout: number;
  required: boolean;
  releaseDate: string;
  files: string[];
}

/** What each channel offers now. */
export function releaseStatus(dir: string): { channels: ChannelState[]; assignments: ChannelAssignments } {
  const channels: ChannelState[] = [];
  for (const channel of CHANNELS) {
    for (const name of channelMetadataFiles(dir, channel)) {
      const meta = readMetadata(join(dir, name));
      channels.push({
        channel,
        file: name,
        version: meta.version,
        rollout: meta.stagingPercentage ?? 100,
        required: meta.branchlineRequired === true,
        releaseDate: meta.releaseDate,
        files: meta.files.map((f) => f.url),
      });
    }
  }
  return { channels, assignments: readAssignments(dir) };
}

export function readAssignments(dir: string): ChannelAssignments {
  const file = join(dir, CHANNEL_ASSIGNMENTS_FILE);
  if (!existsSync(file)) return { branches: {}, groups: {} };
  return parseAssignments(JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** Puts a branch or a device group on a channel (null: back to the install's own choice). */
export function assignChannel(options: { dir: string; branch?: string; group?: string; channel: Channel | null }): ChannelAssignments {
  if (!options.branch === !options.group) throw new Error('Give exactly one of --branch CODE or --group NAME');
  if (options.channel !== null && !(CHANNELS as readonly string[]).includes(options.channel)) throw new Error(`--channel must be one of ${CHANNELS.join(', ')}`);
  if (options.group && !checkSetting('deviceGroup', options.group).ok) throw new Error('A device group is 1–40 letters, digits, dots, dashes or underscores');
  if (options.branch && !/^[A-Z0-9][A-Z0-9_-]{0,19}$/.test(options.branch)) throw new Error('A branch code is 1–20 capital letters, digits, dashes or underscores');
  mkdirSync(options.dir, { recursive: true });
  const current = readAssignments(options.dir);
  const table = options.branch ? current.branches : current.groups;
  const key = (options.branch ?? options.group)!;
  if (options.channel === null) delete table[key];
  else table[key] = options.channel;
  writeAtomic(join(options.dir, CHANNEL_ASSIGNMENTS_FILE), `${JSON.stringify(current, null, 2)}\n`);
  return current;
}

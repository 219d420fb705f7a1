/**
 * Diagnostics: structured log files with rotation, and "export diagnostics", a zip for
 * support with the logs, versions, settings (secrets removed) and sync status.
 *
 * Zips are written with yazl (3.3.1): a small, long-maintained streaming zip writer with one
 * dependency (buffer-crc32) and no native code; archiver would bring a much larger tree
 * (readable-stream, glob, lazystream, …) for features this export does not need.
 */
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yazl from 'yazl';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  t: string;
  level: LogLevel;
  scope: string;
  msg: string;
  err?: string;
  [key: string]: unknown;
}

export interface RotatingLogOptions {
  dir: string;
  /** File name stem: <dir>/<name>.log, rotated to <name>.1.log … <name>.<keep>.log. */
  name?: string;
  maxBytes?: number;
  keep?: number;
  now?: () => Date;
  /** Also echo to the console (development). */
  echo?: boolean;
}

/** Appends one JSON object per line; rotates by size. Never throws (logging must not break the app). */
export class RotatingLog {
  readonly file: string;
  private readonly name: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private size: number;

  constructor(private readonly options: RotatingLogOptions) {
    this.name = options.name ?? 'branchline';
    this.file = join(options.dir, `${this.name}.log`);
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 5;
    try {
      mkdirSync(options.dir, { recursive: true });
      this.size = existsSync(this.file) ? statSync(this.file).size : 0;
    } catch {
      this.size = 0;
    }
  }

  write(level: LogLevel, scope: string, msg: string, error?: unknown, fields: Record<string, unknown> = {}): void {
    const record: LogRecord = { t: (this.options.now ?? (() => new Date()))().toISOString(), level, scope, msg: redactText(msg), ...fields };
    if (error !== undefined) record.err = redactText(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const line = `${JSON.stringify(record)}\n`;
    if (this.options.echo) (level === 'error' || level === 'warn' ? console.error : console.log)(`[${scope}] ${record.msg}${record.err ? ` ${record.err}` : ''}`);
    try {
      if (this.size + Buffer.byteLength(line) > this.maxBytes && this.size > 0) this.rotate();
      appendFileSync(this.file, line);
      this.size += Buffer.byteLength(line);
    } catch {
      /* a full disk must not take the app down */
    }
  }

  /** A `(message, error?) => void` logger for one scope, as the main process and engine take. */
  logger(scope: string): (message: string, error?: unknown) => void {
    return (message, error) => this.write(error === undefined ? 'info' : 'error', scope, message, error);
  }

  rotate(): void {
    const numbered = (i: number) => join(this.options.dir, `${this.name}.${i}.log`);
    rmSync(numbered(this.keep), { force: true });
    for (let i = this.keep - 1; i >= 1; i--) if (existsSync(numbered(i))) renameSync(numbered(i), numbered(i + 1));
    if (existsSync(this.file)) renameSync(this.file, numbered(1));
    this.size = 0;
  }

  /** The log files, newest first. */
  files(): string[] {
    return logFiles(this.options.dir, this.name);
  }
}

export function logFiles(dir: string, name = 'branchline'): string[] {
  if (!existsSync(dir)) return [];
  const current = `${name}.log`;
  return readdirSync(dir)
    .filter((f) => f === current || new RegExp(`^${name}\\.\\d+\\.log$`).test(f))
    .sort((a, b) => (a === current ? -1 : b === current ? 1 : Number(a.split('.').at(-2)) - Number(b.split('.').at(-2))))
    .map((f) => join(dir, f));
}

// --- redaction ------------------------------------------------------------------------------

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential|authori[sz]ation|cookie|session[-_]?key|signing/i;

/** Passwords in URLs (postgres://user:pw@host → postgres://user:***@host) and bearer tokens. */
export function redactText(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi, '$1***@').replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***');
}

/** A copy without secrets: values under secret-looking keys become "***", URLs lose their passwords. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20) return '…';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? '***' : redact(v, depth + 1);
    return out;
  }
  return value;
}

// --- export ---------------------------------------------------------------------------------

export interface DiagnosticsInput {
  outFile: string;
  /** Log files to include (each under logs/). */
  logFiles: string[];
  versions: Record<string, unknown>;
  settings: unknown;
  syncStatus: unknown;
  /** More JSON documents by name (e.g. update status, database schema). */
  extra?: Record<string, unknown>;
  now?: () => Date;
}

export interface DiagnosticsReport {
  file: string;
  entries: string[];
  bytes: number;
}

/** Writes the support zip. Every JSON document is redacted; log lines were redacted when written and are again here. */
export function exportDiagnostics(input: DiagnosticsInput): Promise<DiagnosticsReport> {
  mkdirSync(dirname(input.outFile), { recursive: true });
  const zip = new yazl.ZipFile();
  const entries: string[] = [];
  const mtime = (input.now ?? (() => new Date()))();
  const addJson = (name: string, value: unknown) => {
    zip.addBuffer(Buffer.from(`${JSON.stringify(redact(value), null, 2)}\n`), name, { mtime });
    entries.push(name);
  };
  addJson('manifest.json', { createdAt: mtime.toISOString(), contents: 'logs/, versions.json, settings.json (secrets removed), sync-status.json', platform: process.platform, arch: process.arch });
  addJson('versions.json', input.versions);
  addJson('settings.json', input.settings);
  addJson('sync-status.json', input.syncStatus);
  for (const [name, value] of Object.entries(input.extra ?? {})) addJson(`${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`, value);
  for (const file of input.logFiles) {
    if (!existsSync(file)) continue;
    const name = `logs/${file.split(/[\\/]/).pop()}`;
    // Logs are small (rotated at a few MB): read whole, redacted once more.
    zip.addBuffer(Buffer.from(redactText(readFileSync(file, 'utf8'))), name, { mtime });
    entries.push(name);
  }
  const tmp = `${input.outFile}.partial`;
  return new Promise((done, fail) => {
    const out = createWriteStream(tmp);
    out.on('error', fail);
    out.on('close', () => {
      try {
        renameSync(tmp, input.outFile);
        done({ file: input.outFile, entries, bytes: statSync(input.outFile).size });
      } catch (error) {
        fail(error as Error);
      }
    });
    zip.outputStream.on('error', fail).pipe(out);
    zip.end();
  });
}

import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a branch needs to reach its centre. The URL carries the branch's own login. */
export interface SyncCredentials {
  url: string;
  clientId: string;
  /** HMAC key for signing mutations; issued by the centre at registration. */
  secret: string;
  branchId: string;
  branchCode: string;
}

/**
 * Where credentials live. Electron keeps them encrypted with safeStorage (in the electron
 * layer); the CLI and headless host use a file only its owner can read (0600).
 */
export interface CredentialStore {
  read(): SyncCredentials | null;
  write(credentials: SyncCredentials): void;
  clear(): void;
}

export function fileCredentialStore(file: string): CredentialStore {
  return {
    read() {
      if (!existsSync(file)) return null;
      return JSON.parse(readFileSync(file, 'utf8')) as SyncCredentials;
    },
    write(credentials) {
      if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
      chmodSync(file, 0o600);
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
}

/** The credentials file that goes with a branch database file. */
export const credentialsFileFor = (dbFile: string) => `${dbFile}.sync.json`;

/** The URL with its password hidden, for logs and screens. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

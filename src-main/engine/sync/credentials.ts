import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

/**
 * Credentials encrypted with AES-256-GCM under a key the host keeps elsewhere — in the desktop
 * app, a random key itself protected by Electron's safeStorage (the OS keychain), handed to
 * the engine's worker at start. The file alone reveals nothing; tampering is detected.
 */
export function encryptedFileCredentialStore(file: string, key: Buffer): CredentialStore {
  if (key.length !== 32) throw new Error('The credential key must be 32 bytes');
  return {
    read() {
      if (!existsSync(file)) return null;
      const box = JSON.parse(readFileSync(file, 'utf8')) as { v: number; iv: string; tag: string; data: string };
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as SyncCredentials;
    },
    write(credentials) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
      const box = { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
      if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(box), { mode: 0o600 });
      chmodSync(file, 0o600);
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
}

/** The encrypted credentials file that goes with a branch database (desktop app). */
export const encryptedCredentialsFileFor = (dbFile: string) => `${dbFile}.sync.enc`;

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

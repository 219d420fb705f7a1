import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The part of Electron's safeStorage this needs (a stand-in in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The key that encrypts this desktop's centre credentials: 32 random bytes, stored only
 * encrypted by the OS keychain (safeStorage). Returns it base64 for the engine worker, or
 * undefined where the OS offers no keychain (the engine then keeps a 0600 file, as the CLI does).
 */
export function loadCredentialKey(safeStorage: SafeStorageLike | undefined, keyFile: string, log: (m: string) => void): string | undefined {
  if (!safeStorage?.isEncryptionAvailable()) {
    log('OS keychain unavailable: centre credentials are kept in a file readable by this user only');
    return undefined;
  }
  if (existsSync(keyFile)) return safeStorage.decryptString(readFileSync(keyFile));
  const key = randomBytes(32).toString('base64');
  if (!existsSync(dirname(keyFile))) mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, safeStorage.encryptString(key), { mode: 0o600 });
  return key;
}

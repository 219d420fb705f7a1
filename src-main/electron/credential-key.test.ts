import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encryptedFileCredentialStore } from '../engine/sync/credentials';
import { loadCredentialKey } from './credential-key';

const keychain = {
  isEncryptionAvailable: () => true,
  encryptString: (plain: string) => Buffer.from(`enc:${Buffer.from(plain).toString('hex')}`),
  decryptString: (b: Buffer) => Buffer.from(b.toString().slice(4), 'hex').toString(),
};

describe('centre credentials on the desktop', () => {
  it('keeps the key only encrypted by the keychain, and the same key across starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-key-'));
    const file = join(dir, 'credential-key.bin');
    const key = loadCredentialKey(keychain, file, () => {});
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(readFileSync(file, 'utf8')).not.toContain(key!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCredentialKey(keychain, file, () => {})).toBe(key);
  });

  it('falls back (undefined) without a keychain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-key-'));
    expect(loadCredentialKey({ ...keychain, isEncryptionAvailable: () => false }, join(dir, 'k'), () => {})).toBeUndefined();
    expect(loadCredentialKey(undefined, join(dir, 'k'), () => {})).toBeUndefined();
  });

  it('encrypts the credentials file and detects tampering', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-cred-'));
    const file = join(dir, 'b.sync.enc');
    const key = Buffer.alloc(32, 7);
    const store = encryptedFileCredentialStore(file, key);
    const creds = { url: 'postgres://bl_b01_x:secretpw@127.0.0.1/c', clientId: 'c1', secret: 'abc', branchId: 'b', branchCode: 'B01' };
    store.write(creds);
    expect(readFileSync(file, 'utf8')).not.toContain('secretpw');
    expect(store.read()).toEqual(creds);
    expect(() => encryptedFileCredentialStore(file, Buffer.alloc(32, 8)).read()).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { generateKeyText, Keyring, keyFromText } from './encryption.js';

describe('secrets at rest', () => {
  it('round-trip through AES-256-GCM and never contain the plaintext', () => {
    const keyring = new Keyring(keyFromText(generateKeyText()));
    const sealed = keyring.encrypt('{"apiKey":"sk_live_123"}');
    expect(sealed).not.toContain('sk_live_123');
    expect(keyring.decrypt(sealed)).toBe('{"apiKey":"sk_live_123"}');
  });

  it('use a fresh nonce each time', () => {
    const keyring = new Keyring(keyFromText('passphrase'));
    expect(keyring.encrypt('x')).not.toBe(keyring.encrypt('x'));
  });

  it('decrypt values sealed with a previous key after rotation', () => {
    const oldKey = keyFromText(generateKeyText());
    const sealed = new Keyring(oldKey).encrypt('secret');
    const rotated = new Keyring(keyFromText(generateKeyText()), [oldKey]);
    expect(rotated.decrypt(sealed)).toBe('secret');
    expect(rotated.encrypt('secret').split(':')[1]).not.toBe(oldKey.id);
  });

  it('refuse tampered values and unknown keys', () => {
    const keyring = new Keyring(keyFromText('a'));
    const sealed = keyring.encrypt('secret');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4] as string, 'base64');
    body[0] = (body[0] as number) ^ 1;
    parts[4] = body.toString('base64');
    expect(() => keyring.decrypt(parts.join(':'))).toThrow();
    expect(() => new Keyring(keyFromText('b')).decrypt(sealed)).toThrow(/unknown key/);
  });
});

// Application-side encryption of secrets at rest: AES-256-GCM, each value tagged with the id of its key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export interface Key {
  id: string;
  material: Buffer;
}

/** Accepts 32 bytes as base64 or hex; anything else is treated as a passphrase and hashed to 32 bytes. */
export function keyFromText(text: string): Key {
  let material: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) material = Buffer.from(text, 'hex');
  else {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length === 32 && decoded.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '')) {
      material = decoded;
    }
  }
  material ??= createHash('sha256').update(text, 'utf8').digest();
  const id = createHash('sha256').update(material).digest('hex').slice(0, 8);
  return { id, material };
}

export function generateKeyText(): string {
  return randomBytes(32).toString('base64');
}

/** Encrypts with the primary key; decrypts with whichever known key the value names, so keys can rotate. */
export class Keyring {
  readonly #keys = new Map<string, Key>();
  readonly #primary: Key;

  constructor(primary: Key, previous: Key[] = []) {
    this.#primary = primary;
    for (const key of [primary, ...previous]) this.#keys.set(key.id, key);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#primary.material, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.#primary.id,
      iv.toString('base64'),
      tag.toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !keyId || !iv || !tag || body === undefined) {
      throw new Error('not an encrypted value');
    }
    const key = this.#keys.get(keyId);
    if (!key) throw new Error(`value was encrypted with unknown key ${keyId}`);
    const decipher = createDecipheriv('aes-256-gcm', key.material, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

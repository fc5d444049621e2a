/**
 * The trusted ONPE root public key as each station's configuration names it (`rootPublicKeyFile`,
 * a key-set public file: `{ publicKey: base64, ... }`). One reader for every station, so they
 * all refuse the same malformed files the same way.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { fromBase64Strict } from '../crypto/base64.ts';

const publicKeyFileSchema = z.object({ publicKey: z.string() });

/** The 32-byte Ed25519 key, or undefined when the file is missing, unreadable or malformed. */
export function readRootPublicKeyFile(file: string): Uint8Array | undefined {
  try {
    const parsed = publicKeyFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    const key = fromBase64Strict(parsed.data.publicKey, 32);
    return key.ok ? key.value : undefined;
  } catch {
    return undefined;
  }
}

/** The Node side of content/secret.ts: AES-256-GCM and HKDF-SHA256 from node:crypto. */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto'
import { TAG_BYTES, type SecretCipher } from '../content/secret.js'

const KEY_BYTES = 32
const EMPTY_SALT = new Uint8Array(0)

export const nodeSecretCipher: SecretCipher = {
  deriveKey: (contentKey, info) => new Uint8Array(hkdfSync('sha256', contentKey, EMPTY_SALT, info, KEY_BYTES)),
  seal: (key, nonce, aad, plaintext) => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad)
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  },
  open: (key, nonce, aad, sealed) => {
    if (sealed.byteLength < TAG_BYTES) throw new Error('sealed message is shorter than its tag')
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES))
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.byteLength - TAG_BYTES)), decipher.final()])
  }
}

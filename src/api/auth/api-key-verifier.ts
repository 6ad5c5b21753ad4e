/**
 * API keys are configured as `name:sha256hex` pairs, so the keys themselves are never stored. A presented key
 * is hashed once and compared with every configured hash in constant time (all entries, no early exit), so
 * neither the comparison nor the number of entries tried reveals how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';
import type { Role } from './roles.js';

/** Hex SHA-256 of an API key, the form `API_KEYS` holds. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface KeyEntry {
  name: string;
  digest: Buffer;
  method: Principal['method'];
  role: Role;
}

export class ApiKeyVerifier {
  private readonly entries: KeyEntry[];

  /**
   * @param hashes configured `{name, sha256, role?}` entries
   * @param defaultRole the role of an entry that names none
   * @param devApiKey a generated key accepted as principal `dev`, role `admin` (development only, and only when
   *   nothing else is configured; the engine logs it)
   */
  constructor(
    hashes: readonly { name: string; sha256: string; role?: Role | undefined }[],
    defaultRole: Role,
    devApiKey?: string,
  ) {
    this.entries = hashes.map((entry) => ({
      name: entry.name,
      digest: Buffer.from(entry.sha256, 'hex'),
      method: 'api_key' as const,
      role: entry.role ?? defaultRole,
    }));
    if (devApiKey !== undefined) {
      this.entries.push({
        name: 'dev',
        digest: Buffer.from(hashApiKey(devApiKey), 'hex'),
        method: 'dev_key',
        role: 'admin',
      });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal the key belongs to, or undefined. */
  verify(key: string): Principal | undefined {
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let found: KeyEntry | undefined;
    for (const entry of this.entries) {
      if (entry.digest.length === presented.length && timingSafeEqual(entry.digest, presented)) {
        found ??= entry;
      }
    }
    return found === undefined ? undefined : { name: found.name, method: found.method, role: found.role };
  }
}

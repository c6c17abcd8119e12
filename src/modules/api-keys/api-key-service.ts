// API keys: created with a set of roles, shown once, stored as a SHA-256 hash, revocable. A key reads
// `ehk_<8 characters>_<43 characters>`: the first part (the prefix, e.g. `ehk_Ab3dE5gH`) is stored in
// clear to tell keys apart in listings and logs; the rest is a 256-bit random secret.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { type ApiRole, Prisma, type ApiKey, type PrismaClient } from '@prisma/client';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { API_ROLES, type AuthenticationResult, type KeyVerifier, type Principal } from '../../platform/auth/principal';
import { badInput, notFound } from '../../platform/errors';

const KEY_PATTERN = /^(ehk_[0-9A-Za-z]{8})_[0-9A-Za-z_-]{43}$/;
const PREFIX_PATTERN = /^ehk_[0-9A-Za-z]{8}$/;
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A key as listed: never its secret nor its hash. */
export type ApiKeyInfo = Omit<ApiKey, 'hash'>;

export interface CreatedApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  info: ApiKeyInfo;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The prefix of a well-formed key, or null. */
export function keyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

function randomAlphanumeric(length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return text;
}

function withoutHash({ hash: _hash, ...info }: ApiKey): ApiKeyInfo {
  return info;
}

/** Parses role names such as "reader,scorer" (any case); BAD_USER_INPUT names the unknown ones. */
export function parseRoles(input: readonly string[] | string): ApiRole[] {
  const names = (typeof input === 'string' ? input.split(',') : input)
    .map((name) => name.trim().toUpperCase())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !API_ROLES.includes(name as ApiRole));
  if (unknown.length > 0)
    throw badInput(`unknown role ${unknown.join(', ')}: roles are ${API_ROLES.map((role) => role.toLowerCase()).join(', ')}`);
  if (names.length === 0) throw badInput(`give at least one role: ${API_ROLES.map((role) => role.toLowerCase()).join(', ')}`);
  return API_ROLES.filter((role) => names.includes(role));
}

export interface ApiKeyServiceOptions {
  /** How long a looked-up key (valid or not) is served from memory; 0 looks every request up. */
  cacheTtlMs?: number;
  /** Most keys remembered (oldest first out). */
  cacheSize?: number;
  /** last_used_at is written at most this often per key (default one minute). */
  touchIntervalMs?: number;
  /** Told of a failed last_used_at write (it never fails a request). */
  onTouchError?: (error: unknown) => void;
}

interface CacheEntry {
  principal: Principal | null;
  expiresAt: number;
}

export class ApiKeyService implements KeyVerifier {
  private readonly cacheTtlMs: number;
  private readonly cacheSize: number;
  private readonly touchIntervalMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  /** Last time last_used_at was written (or read as recent) per key id. */
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: ApiKeyServiceOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 10_000;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(name: string, roles: readonly string[] | string): Promise<CreatedApiKey> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 100) throw badInput('name must hold 1 to 100 characters');
    const parsedRoles = parseRoles(roles);
    for (let attempt = 1; ; attempt++) {
      const prefix = `ehk_${randomAlphanumeric(8)}`;
      const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
      try {
        const row = await this.prisma.apiKey.create({ data: { name: trimmed, prefix, hash: hashKey(key), roles: parsedRoles } });
        return { key, info: withoutHash(row) };
      } catch (error) {
        // A prefix collision (1 in 2e14) is retried with a new key.
        if (attempt < 3 && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') continue;
        throw error;
      }
    }
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.prisma.apiKey.findMany({ orderBy: { id: 'asc' } });
    return rows.map(withoutHash);
  }

  /** Every key, revoked ones included, oldest first, as a cursor connection. */
  connection(request?: ConnectionRequest | null): Promise<Connection<ApiKeyInfo>> {
    return keysetConnection('apiKey', 'asc', request, {
      rows: async (id, order, take) =>
        (await this.prisma.apiKey.findMany({ where: { id }, orderBy: { id: order }, take })).map(withoutHash),
      count: () => this.prisma.apiKey.count(),
    });
  }

  /** Several keys by id, in the order asked; null for an unknown id (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(ApiKeyInfo | null)[]> {
    const rows = await this.prisma.apiKey.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, withoutHash(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * Revokes a key named by id, prefix (`ehk_xxxxxxxx`) or the whole key. Revoking a revoked key changes
   * nothing. Takes effect at once in this process, within AUTH_CACHE_TTL_MS in the others.
   */
  async revoke(reference: string | number): Promise<ApiKeyInfo> {
    const text = String(reference).trim();
    const where: Prisma.ApiKeyWhereUniqueInput | null = /^\d+$/.test(text)
      ? { id: Number(text) }
      : PREFIX_PATTERN.test(text)
        ? { prefix: text }
        : keyPrefix(text)
          ? { prefix: keyPrefix(text)! }
          : null;
    if (!where || (where.id !== undefined && !Number.isSafeInteger(where.id))) {
      throw badInput(`name the key by its id, its prefix (ehk_ and 8 characters) or the key itself, got "${text.slice(0, 20)}"`);
    }
    const existing = await this.prisma.apiKey.findUnique({ where });
    if (!existing) throw notFound('API key', text.slice(0, 12));
    const row = existing.revokedAt
      ? existing
      : await this.prisma.apiKey.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
    for (const [hash, entry] of this.cache) if (entry.principal?.keyId === row.id) this.cache.delete(hash);
    return withoutHash(row);
  }

  /** The principal a presented key stands for; a revoked or unknown key is refused the same way. */
  prefixOf(token: string): string | null {
    return keyPrefix(token);
  }

  async authenticate(key: string): Promise<AuthenticationResult> {
    const prefix = keyPrefix(key);
    if (!prefix) return { ok: false, reason: 'malformed' };
    const hash = hashKey(key);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.expiresAt <= now) {
      const row = await this.prisma.apiKey.findUnique({ where: { hash } });
      const principal =
        row && row.revokedAt === null && row.prefix === prefix
          ? { keyId: row.id, prefix: row.prefix, name: row.name, roles: new Set(row.roles) }
          : null;
      if (row?.lastUsedAt) this.touched.set(row.id, Math.max(this.touched.get(row.id) ?? 0, row.lastUsedAt.getTime()));
      entry = { principal, expiresAt: now + this.cacheTtlMs };
      this.remember(hash, entry);
    }
    if (!entry.principal) return { ok: false, reason: 'unknown_or_revoked' };
    this.touch(entry.principal.keyId!, now);
    return { ok: true, principal: entry.principal };
  }

  private remember(hash: string, entry: CacheEntry): void {
    if (this.cacheTtlMs <= 0) return;
    this.cache.delete(hash);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hash, entry);
  }

  /** Records the key's use, at most once per touchIntervalMs, without making the request wait. */
  private touch(keyId: number, now: number): void {
    if (now - (this.touched.get(keyId) ?? 0) < this.touchIntervalMs) return;
    this.touched.set(keyId, now);
    this.prisma.apiKey.updateMany({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } }).catch((error: unknown) => {
      this.touched.delete(keyId);
      this.options.onTouchError?.(error);
    });
  }
}

// API keys: format, hashed storage, roles, revocation, the cache, last use, and the CLI commands.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../../platform/repository';
import { ApiKeyService, hashKey, keyPrefix, parseRoles } from './api-key-service';
import { ServiceError } from '../../platform/errors';
import { describeEachDatabase } from '../../../test/support/databases';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

const run = promisify(execFile);
const CLI = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'cli', 'index.js');

async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('parseRoles', () => {
  it('reads comma-separated role names in any case, in canonical order', () => {
    expect(parseRoles('scorer, Reader')).toEqual(['READER', 'SCORER']);
    expect(parseRoles(['ADMIN', 'operator'])).toEqual(['OPERATOR', 'ADMIN']);
  });

  it('refuses unknown and empty role lists', () => {
    expect(() => parseRoles('reader,root')).toThrow(/unknown role ROOT: roles are reader, scorer, operator, admin/);
    expect(() => parseRoles(' , ')).toThrow(/at least one role/);
  });
});

describeEachDatabase('ApiKeyService', (db) => {
  const prisma = () => db().prisma;
  afterEach(() => prisma().apiKey.deleteMany());

  it('creates ehk_ keys, stores only their SHA-256 hash and prefix, and shows the secret once', async () => {
    const keys = new ApiKeyService(prisma());
    const created = await keys.create('  ingest gateway ', 'scorer,reader');
    expect(created.key).toMatch(/^ehk_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
    expect(created.info).toMatchObject({
      name: 'ingest gateway',
      prefix: keyPrefix(created.key),
      roles: ['READER', 'SCORER'],
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(created.info).not.toHaveProperty('hash');
    const row = await prisma().apiKey.findUniqueOrThrow({ where: { id: created.info.id } });
    expect(row.hash).toBe(hashKey(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key.slice(13));
    const listed = await keys.list();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(row.hash);
  });

  it('authenticates a key with its roles, and refuses malformed, unknown and revoked keys alike', async () => {
    const keys = new ApiKeyService(prisma(), { cacheTtlMs: 60_000 });
    const { key, info } = await keys.create('operator', ['operator']);
    const accepted = await keys.authenticate(key);
    expect(accepted).toEqual({
      ok: true,
      principal: { keyId: info.id, prefix: info.prefix, name: 'operator', roles: new Set(['OPERATOR']) },
    });
    expect(await keys.authenticate('not-a-key')).toEqual({ ok: false, reason: 'malformed' });
    const forged = `${info.prefix}_${'A'.repeat(43)}`;
    expect(await keys.authenticate(forged)).toEqual({ ok: false, reason: 'unknown_or_revoked' });

    // Revocation takes effect at once in the process that revokes, despite the cache.
    const revoked = await keys.revoke(info.prefix);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await keys.authenticate(key)).toEqual({ ok: false, reason: 'unknown_or_revoked' });
    // Revoking again changes nothing.
    expect((await keys.revoke(String(info.id))).revokedAt).toEqual(revoked.revokedAt);
  });

  it('serves a looked-up key from memory until the cache expires (revocations elsewhere arrive within the TTL)', async () => {
    const here = new ApiKeyService(prisma(), { cacheTtlMs: 60_000 });
    const elsewhere = new ApiKeyService(prisma());
    const { key } = await here.create('cached', 'reader');
    expect((await here.authenticate(key)).ok).toBe(true);
    await elsewhere.revoke(key);
    expect((await here.authenticate(key)).ok).toBe(true); // still cached here
    const uncached = new ApiKeyService(prisma(), { cacheTtlMs: 0 });
    expect((await uncached.authenticate(key)).ok).toBe(false);
  });

  it('records the last use at most once per interval, without making requests wait', async () => {
    const keys = new ApiKeyService(prisma(), { cacheTtlMs: 0, touchIntervalMs: 60_000 });
    const { key, info } = await keys.create('touched', 'reader');
    await keys.authenticate(key);
    const first = await waitFor(
      () => prisma().apiKey.findUniqueOrThrow({ where: { id: info.id } }),
      (row) => row.lastUsedAt !== null,
    );
    for (let i = 0; i < 5; i++) await keys.authenticate(key);
    // A write is fire-and-forget: read after a round trip that is certainly later.
    await prisma().apiKey.count();
    expect((await prisma().apiKey.findUniqueOrThrow({ where: { id: info.id } })).lastUsedAt).toEqual(first.lastUsedAt);

    const eager = new ApiKeyService(prisma(), { cacheTtlMs: 0, touchIntervalMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await eager.authenticate(key);
    await waitFor(
      () => prisma().apiKey.findUniqueOrThrow({ where: { id: info.id } }),
      (row) => row.lastUsedAt!.getTime() > first.lastUsedAt!.getTime(),
    );
  });

  it('validates names and references', async () => {
    const keys = new ApiKeyService(prisma());
    await expect(keys.create('', 'reader')).rejects.toThrow(/name must hold 1 to 100 characters/);
    await expect(keys.create('x', 'superuser')).rejects.toThrow(ServiceError);
    await expect(keys.revoke('ehk_nope')).rejects.toThrow(/name the key by its id, its prefix/);
    await expect(keys.revoke('ehk_ABCDEFGH')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(keys.revoke('424242')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the keys CLI commands', () => {
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createDatabaseFromTemplate();
    url = created.url;
    drop = created.drop;
  });
  afterAll(() => drop());

  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: url } });

  it('creates a key (printed once on stdout), lists keys without secrets, and revokes by prefix', async () => {
    const created = await cli('keys', 'create', '--name', 'dashboard', '--roles', 'reader');
    const key = created.stdout.trim();
    expect(key).toMatch(/^ehk_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
    expect(created.stderr).toMatch(/created key \d+ \(ehk_\w{8}\) "dashboard" with roles reader\.\nStore it now/);

    const listed = await cli('keys', 'list');
    expect(listed.stdout).toContain(keyPrefix(key));
    expect(listed.stdout).toMatch(/active\s+reader\s+last used never\s+dashboard/);
    expect(listed.stdout).not.toContain(key.slice(13));

    const revoked = await cli('keys', 'revoke', keyPrefix(key)!);
    expect(revoked.stdout).toMatch(/revoked \d{4}-/);

    await expect(cli('keys', 'create', '--name', 'x', '--roles', 'root')).rejects.toMatchObject({
      stderr: expect.stringMatching(/BAD_USER_INPUT: unknown role ROOT/),
    });
    await expect(cli('keys', 'revoke', 'ehk_ZZZZZZZZ')).rejects.toMatchObject({
      stderr: expect.stringMatching(/NOT_FOUND: API key ehk_ZZZZZZZZ does not exist/),
    });
  });
});

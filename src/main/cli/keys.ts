// `keys`: create, revoke and list API keys.
import { Command } from 'commander';
import { ApiKeyService, type ApiKeyInfo } from '../../modules/api-keys/api-key-service';
import { withDatabase } from './runtime';

export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage API keys (GraphQL clients send them as "Authorization: Bearer <key>").');
  const describeKey = (key: ApiKeyInfo) =>
    [
      String(key.id).padStart(4),
      key.prefix,
      key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active',
      key.roles
        .map((role) => role.toLowerCase())
        .join(',')
        .padEnd(28),
      `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
      key.name,
    ].join('  ');
  keys
    .command('create')
    .description('Create a key and print it (once: only its hash is stored).')
    .requiredOption('--name <name>', 'who or what the key is for')
    .requiredOption('--roles <roles>', 'comma-separated roles: reader, scorer, operator, admin')
    .action(async (options: { name: string; roles: string }) => {
      const created = await withDatabase((database) => new ApiKeyService(database.prisma).create(options.name, options.roles));
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(
        `created key ${created.info.id} (${created.info.prefix}) "${created.info.name}" with roles ${created.info.roles.join(', ').toLowerCase()}.\n` +
          'Store it now: it cannot be shown again.\n',
      );
    });
  keys
    .command('revoke')
    .description(
      "Revoke a key by id, prefix (ehk_ and 8 characters) or the key itself; refused at once by this database's servers (within AUTH_CACHE_TTL_MS).",
    )
    .argument('<key>', 'id, prefix or key')
    .action(async (reference: string) => {
      const revoked = await withDatabase((database) => new ApiKeyService(database.prisma).revoke(reference));
      process.stdout.write(`${describeKey(revoked)}\n`);
    });
  keys
    .command('list')
    .description('List every key (id, prefix, state, roles, last use, name); never the secrets.')
    .action(async () => {
      const all = await withDatabase((database) => new ApiKeyService(database.prisma).list());
      process.stdout.write(all.length === 0 ? 'no API keys\n' : `${all.map(describeKey).join('\n')}\n`);
    });
  return keys;
}

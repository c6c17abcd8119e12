import { ApiRole } from '@prisma/client';
import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { API_ROLES } from '../../platform/auth/principal';
import type { RequestContext } from '../../platform/graphql/context';
import type { ApiKeyService } from './api-key-service';
import { ApiKey, ApiKeyConnection, CreateApiKeyInput, CreatedApiKey, Viewer } from './api-key-types';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  constructor(private readonly keyService: ApiKeyService) {}

  @Authorized(ApiRole.ADMIN)
  @Query(() => [ApiKey], {
    description: 'Every API key, revoked ones included, oldest first.',
    deprecationReason: 'The list is unbounded: use apiKeysConnection (a cursor connection).',
  })
  apiKeys() {
    return this.keyService.list();
  }

  @Authorized(ApiRole.ADMIN)
  @Query(() => ApiKeyConnection, { description: 'API keys, revoked ones included, oldest first.' })
  apiKeysConnection(@Args() page: ConnectionArgs) {
    return this.keyService.connection(page);
  }

  // Any key may read its own roles (no role needed): the dashboard hides what they do not allow.
  @Authorized()
  @Query(() => Viewer, { description: 'The caller: its API key and roles (any valid key may ask).' })
  viewer(@Ctx() { principal }: RequestContext): Viewer {
    return {
      authenticated: principal.keyId !== null,
      name: principal.name,
      prefix: principal.prefix,
      roles: API_ROLES.filter((role) => principal.roles.has(role)),
    };
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; the key itself is in the answer and nowhere else.' })
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput, { description: 'Name and roles.' }) input: CreateApiKeyInput,
  ): Promise<CreatedApiKey> {
    const created = await this.keyService.create(input.name, input.roles);
    return { key: created.key, apiKey: created.info };
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => ApiKey, {
    description: 'Revokes an API key at once (within AUTH_CACHE_TTL_MS on other replicas); revoking it again changes nothing.',
  })
  revokeApiKey(
    @Arg('key', () => String, { description: 'The key id, its prefix (ehk_ and 8 characters) or the key itself.' }) key: string,
  ) {
    return this.keyService.revoke(key);
  }
}

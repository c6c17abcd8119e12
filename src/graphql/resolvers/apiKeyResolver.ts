import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from '../types/apiKey';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized(ApiRole.ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included, oldest first.' })
  apiKeys(@Ctx() { apiKeys }: RequestContext) {
    return apiKeys.list();
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; the key itself is in the answer and nowhere else.' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput, { description: 'Name and roles.' }) input: CreateApiKeyInput, @Ctx() { apiKeys }: RequestContext): Promise<CreatedApiKey> {
    const created = await apiKeys.create(input.name, input.roles);
    return { key: created.key, apiKey: created.info };
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes an API key at once (within AUTH_CACHE_TTL_MS on other replicas); revoking it again changes nothing.' })
  revokeApiKey(@Arg('key', () => String, { description: 'The key id, its prefix (ehk_ and 8 characters) or the key itself.' }) key: string, @Ctx() { apiKeys }: RequestContext) {
    return apiKeys.revoke(key);
  }
}

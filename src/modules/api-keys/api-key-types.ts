import { ApiRole } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionOf } from '../../platform/graphql/connection';
import { Node } from '../../platform/graphql/node';

registerEnumType(ApiRole, {
  name: 'ApiRole',
  description: 'What an API key may do. Roles do not imply each other: a key lists every role it holds.',
  valuesConfig: {
    READER: { description: 'Queries: engines, scores, trajectories, model versions, training jobs.' },
    SCORER: { description: 'scoreWindow, scoreWindows, createEngine and appendCycles.' },
    OPERATOR: {
      description:
        'trainModel, cancelTrainingJob, activateModelVersion, evaluateModelVersion, startEvaluation, startScoring, cancelBatchJob, and aliases, tags, archiving and deletion of versions.',
    },
    ADMIN: { description: 'Managing API keys and webhook endpoints.' },
  },
});

@ObjectType({ implements: Node, description: 'An API key as listed: never its secret.' })
export class ApiKey {
  @Field(() => Int, { description: 'Identifier of the key.' })
  id: number;

  @Field(() => String, { description: 'Who or what the key is for.' })
  name: string;

  @Field(() => String, { description: 'The first characters of the key (ehk_ and 8 characters), safe to show and log.' })
  prefix: string;

  @Field(() => [ApiRole], { description: 'Roles the key holds.' })
  roles: ApiRole[];

  @Field(() => DateTimeResolver, { description: 'When the key was created.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the key was revoked; a revoked key is refused.' })
  revokedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Last use, recorded at most once a minute.' })
  lastUsedAt: Date | null;
}

@ObjectType({ description: 'A new API key: `key` is shown this once and cannot be retrieved later.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'The key to send as "Authorization: Bearer <key>". Store it now.' })
  key: string;

  @Field(() => ApiKey, { description: 'The stored key.' })
  apiKey: ApiKey;
}

@InputType({ description: 'A key to create.' })
export class CreateApiKeyInput {
  @Field(() => String, { description: 'Who or what the key is for (1 to 100 characters).' })
  name: string;

  @Field(() => [ApiRole], { description: 'Roles the key holds (at least one).' })
  roles: ApiRole[];
}

@ObjectType({ description: 'Who is calling: the API key of the request and its roles, so that a client can offer only what they allow.' })
export class Viewer {
  @Field(() => Boolean, { description: 'Whether a key was verified: false when authentication is off (then every role is held).' })
  authenticated: boolean;

  @Field(() => String, { nullable: true, description: 'The key name; null when authentication is off.' })
  name: string | null;

  @Field(() => String, { nullable: true, description: 'The key prefix (ehk_ and 8 characters); null when authentication is off.' })
  prefix: string | null;

  @Field(() => [ApiRole], { description: 'Roles the caller holds, in the order READER, SCORER, OPERATOR, ADMIN.' })
  roles: ApiRole[];
}

@ObjectType({ description: 'API keys, oldest first: a cursor connection.' })
export class ApiKeyConnection extends ConnectionOf(ApiKey, 'ApiKey') {}

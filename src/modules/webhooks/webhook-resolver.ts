import { ApiRole } from '@prisma/client';
import { Arg, Args, Authorized, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mapConnection, type Connection } from '../../platform/db/connection';
import { ConnectionArgs } from '../../platform/graphql/connection';
import {
  DEFAULT_SECRET_OVERLAP_MINUTES,
  MAX_DELIVERIES_SHOWN,
  MAX_ENDPOINTS,
  MAX_SECRET_OVERLAP_MINUTES,
  type WebhookService,
} from './webhook-service';
import {
  DELIVERIES_ARGUMENT,
  RegisterWebhookEndpointInput,
  toDelivery,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookEndpoint,
  WebhookEndpointConnection,
  WebhookEndpointSecret,
} from './webhook-types';

@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @Authorized(ApiRole.ADMIN)
  @Extensions({ cost: { assumedSize: MAX_ENDPOINTS } })
  @Query(() => [WebhookEndpoint], {
    description: `Every webhook endpoint (at most ${MAX_ENDPOINTS}), oldest first.`,
    deprecationReason: 'Use webhookEndpointsConnection (a cursor connection), as every other list.',
  })
  webhookEndpoints() {
    return this.webhooks.list();
  }

  @Authorized(ApiRole.ADMIN)
  @Query(() => WebhookEndpointConnection, { description: `Webhook endpoints (at most ${MAX_ENDPOINTS} in all), oldest first.` })
  webhookEndpointsConnection(@Args() page: ConnectionArgs) {
    return this.webhooks.connection(page);
  }

  @Authorized(ApiRole.ADMIN)
  @Query(() => WebhookEndpoint, { description: 'One webhook endpoint (NOT_FOUND when it does not exist).' })
  webhookEndpoint(@Arg('id', () => Int, { description: 'Endpoint id.' }) id: number) {
    return this.webhooks.get(id);
  }

  @Extensions({ cost: { assumedSize: MAX_DELIVERIES_SHOWN } })
  @FieldResolver(() => [WebhookDelivery], {
    description: 'Its latest deliveries, newest first: status, attempts, last error, next attempt.',
    deprecationReason: 'Shows the latest deliveries only: use deliveriesConnection (a cursor connection) to page through all of them.',
  })
  async deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Arg('first', () => Int, DELIVERIES_ARGUMENT) first: number,
  ): Promise<WebhookDelivery[]> {
    return (await this.webhooks.deliveries(endpoint.id, first)).map(toDelivery);
  }

  @FieldResolver(() => WebhookDeliveryConnection, {
    description: 'Its deliveries, newest first: status, attempts, last error, next attempt.',
  })
  async deliveriesConnection(@Root() endpoint: WebhookEndpoint, @Args() page: ConnectionArgs): Promise<Connection<WebhookDelivery>> {
    return mapConnection(await this.webhooks.deliveriesConnection(endpoint.id, page), (rows) => rows.map(toDelivery));
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => WebhookEndpointSecret, {
    description:
      'Registers an endpoint for alert events; its signing secret is in the answer and never shown again. INVALID_WEBHOOK_URL for a URL that is not https or whose target is internal.',
  })
  registerWebhookEndpoint(
    @Arg('input', () => RegisterWebhookEndpointInput, { description: 'URL, description and event filter.' })
    input: RegisterWebhookEndpointInput,
  ) {
    return this.webhooks.register(input);
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => WebhookEndpointSecret, {
    description:
      'Replaces the signing secret; the new one is in the answer and never shown again. The replaced one also signs (a second signature) for overlapMinutes.',
  })
  rotateWebhookSecret(
    @Arg('id', () => Int, { description: 'Endpoint id.' }) id: number,
    @Arg('overlapMinutes', () => Int, {
      defaultValue: DEFAULT_SECRET_OVERLAP_MINUTES,
      description: `How long the replaced secret still signs, 0 to ${MAX_SECRET_OVERLAP_MINUTES} minutes (0: stop at once, e.g. after a leak).`,
    })
    overlapMinutes: number,
  ) {
    return this.webhooks.rotateSecret(id, overlapMinutes);
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => WebhookEndpoint, {
    description: 'Enables or disables an endpoint. A disabled one is sent no new events; its pending deliveries wait until it is enabled.',
  })
  setWebhookEndpointEnabled(
    @Arg('id', () => Int, { description: 'Endpoint id.' }) id: number,
    @Arg('enabled', () => Boolean, { description: 'Whether it is sent events.' }) enabled: boolean,
  ) {
    return this.webhooks.setEnabled(id, enabled);
  }

  @Authorized(ApiRole.ADMIN)
  @Mutation(() => Int, { description: 'Deletes an endpoint with its deliveries, pending ones included; returns its id.' })
  deleteWebhookEndpoint(@Arg('id', () => Int, { description: 'Endpoint id.' }) id: number) {
    return this.webhooks.delete(id);
  }
}

import { AlertSeverity, WebhookDeliveryStatus, WebhookEventType, type WebhookDelivery as DeliveryRow } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DEFAULT_DELIVERIES_SHOWN, MAX_DELIVERIES_SHOWN } from './webhook-service';
import { ConnectionOf } from '../../platform/graphql/connection';
import { Node } from '../../platform/graphql/node';

registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description: 'An alert event a webhook endpoint can be sent (the body\'s "type" is the dotted name).',
  valuesConfig: {
    ALERT_OPENED: { description: 'alert.opened: the rule opened an alert.' },
    ALERT_SEVERITY_RAISED: { description: "alert.severity_raised: an open alert's severity rose." },
    ALERT_CLOSED: { description: 'alert.closed: the rule closed an alert (the engine back below the threshold).' },
    ALERT_ACKNOWLEDGED: { description: 'alert.acknowledged: an operator acknowledged an open alert.' },
    ALERT_RESOLVED: { description: 'alert.resolved: an operator resolved an alert.' },
  },
});

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting for its first attempt or a retry (nextAttemptAt).' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Every attempt failed (WEBHOOK_MAX_ATTEMPTS).' },
  },
});

@ObjectType({ implements: Node, description: 'One alert event sent to one endpoint, and how its attempts went.' })
export class WebhookDelivery {
  @Field(() => Int, { description: 'Identifier of the delivery.' })
  id: number;

  @Field(() => String, { description: 'The webhook-id header, the same on every attempt: receivers drop duplicates by it.' })
  messageId: string;

  @Field(() => WebhookEventType, { description: 'The event.' })
  eventType: WebhookEventType;

  @Field(() => Int, { description: 'The alert it is about.' })
  alertId: number;

  @Field(() => WebhookDeliveryStatus, { description: 'Pending, delivered or failed.' })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when none answered.' })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null after a success.' })
  lastError: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the next attempt is due; null once delivered or failed.' })
  nextAttemptAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the endpoint accepted it.' })
  deliveredAt: Date | null;

  @Field(() => DateTimeResolver, { description: 'When the event happened (the delivery was queued).' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { description: 'When it last changed.' })
  updatedAt: Date;
}

@ObjectType({
  implements: Node,
  description: 'An HTTPS endpoint sent signed alert events. Its secret is never shown again after creation or rotation.',
})
export class WebhookEndpoint {
  @Field(() => Int, { description: 'Identifier of the endpoint.' })
  id: number;

  @Field(() => String, { description: 'Where deliveries are POSTed.' })
  url: string;

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description: string | null;

  @Field(() => AlertSeverity, { description: 'Only alerts of this severity or higher are sent.' })
  minSeverity: AlertSeverity;

  @Field(() => [WebhookEventType], { description: 'The events sent.' })
  eventTypes: WebhookEventType[];

  @Field(() => Boolean, { description: 'A disabled endpoint is sent nothing; its pending deliveries wait until it is enabled.' })
  enabled: boolean;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When its secret was last rotated.' })
  secretRotatedAt: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'Until when the secret replaced by the last rotation still signs deliveries (a second signature); null: it does not.',
  })
  previousSecretExpiresAt: Date | null;

  @Field(() => DateTimeResolver, { description: 'When it was registered.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { description: 'When it last changed.' })
  updatedAt: Date;
}

@ObjectType({ description: 'An endpoint and its signing secret, shown this once: store it now.' })
export class WebhookEndpointSecret {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint: WebhookEndpoint;

  @Field(() => String, {
    description: 'The signing secret (whsec_ and base64): verify each delivery\'s webhook-signature with it (README, "Webhooks").',
  })
  secret: string;
}

@InputType({ description: 'An endpoint to register.' })
export class RegisterWebhookEndpointInput {
  @Field(() => String, {
    description:
      'An https URL (http only to loopback when WEBHOOK_ALLOW_HTTP_LOOPBACK is set); internal addresses are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS.',
  })
  url: string;

  @Field(() => String, { nullable: true, description: 'What it is for (up to 500 characters).' })
  description?: string | null;

  @Field(() => AlertSeverity, { defaultValue: AlertSeverity.WARNING, description: 'Only alerts of this severity or higher.' })
  minSeverity?: AlertSeverity;

  @Field(() => [WebhookEventType], { nullable: true, description: 'The events to send; all by default.' })
  eventTypes?: WebhookEventType[] | null;
}

@ObjectType({ description: 'Webhook endpoints, oldest first: a cursor connection.' })
export class WebhookEndpointConnection extends ConnectionOf(WebhookEndpoint, 'WebhookEndpoint') {}

@ObjectType({ description: "An endpoint's deliveries, newest first: a cursor connection." })
export class WebhookDeliveryConnection extends ConnectionOf(WebhookDelivery, 'WebhookDelivery') {}

export const DELIVERIES_ARGUMENT = {
  description: `Deliveries to show, newest first, 1 to ${MAX_DELIVERIES_SHOWN}.`,
  defaultValue: DEFAULT_DELIVERIES_SHOWN,
};

/** A delivery as shown: its next attempt only while one is due. */
export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return { ...row, nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt : null };
}

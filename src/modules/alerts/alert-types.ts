import { AlertSeverity, AlertState } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionOf } from '../../platform/graphql/connection';
import { DEFAULT_ALERTS_PAGE, MAX_ALERTS_PAGE } from './alert-service';
import { Node } from '../../platform/graphql/node';

registerEnumType(AlertSeverity, {
  name: 'AlertSeverity',
  description: 'How far and how long the score exceeds the threshold (docs/alerts.md); it only rises while the alert lasts.',
  valuesConfig: {
    WARNING: { description: 'The score exceeds the threshold in k of the last n windows.' },
    SERIOUS: { description: 'k of the last n windows at least 1.5 times the threshold, or many windows above it.' },
    CRITICAL: { description: 'k of the last n windows at least twice the threshold, or above it for long.' },
  },
});

registerEnumType(AlertState, {
  name: 'AlertState',
  description: 'Where an alert stands.',
  valuesConfig: {
    OPEN: { description: 'Raised by the rule, not yet handled.' },
    ACKNOWLEDGED: { description: 'An operator has seen it; the rule may still close it.' },
    RESOLVED: { description: 'An operator has dealt with it.' },
    CLOSED: { description: 'The engine went back below the threshold for m windows before an operator resolved it.' },
  },
});

@ObjectType({ description: 'A sensor that drove an alert.' })
export class AlertSensor {
  @Field(() => String, { description: 'Sensor name in the version data set.' })
  sensor: string;

  @Field(() => Float, { description: 'Its share of the contributions over the alert windows above the threshold.' })
  share: number;
}

@ObjectType({ implements: Node, description: 'An alert of the k-of-n rule on one engine under one model version.' })
export class Alert {
  @Field(() => Int, { description: 'Identifier of the alert.' })
  id: number;

  @Field(() => Int, { description: 'The engine it is about.' })
  engineId: number;

  @Field(() => Int, { description: 'The model version whose scores raised it.' })
  modelVersionId: number;

  @Field(() => Int, { description: 'Last cycle of the window at which it opened.' })
  openedCycle: number;

  @Field(() => Int, { nullable: true, description: 'Last cycle of the window at which the rule closed it; null while open.' })
  closedCycle: number | null;

  @Field(() => Int, { description: 'Last cycle of the latest window the rule has seen of it.' })
  lastCycle: number;

  @Field(() => AlertSeverity, { description: 'Highest severity reached.' })
  severity: AlertSeverity;

  @Field(() => AlertState, { description: 'Open, acknowledged, resolved or closed.' })
  state: AlertState;

  @Field(() => [AlertSensor], { description: 'Sensors with the largest contributions, largest first.' })
  drivingSensors: AlertSensor[];

  @Field(() => Float, { description: 'Highest score of its windows.' })
  peakScore: number;

  @Field(() => Float, { description: 'Threshold of the version.' })
  threshold: number;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When an operator acknowledged it.' })
  acknowledgedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When an operator resolved it.' })
  resolvedAt: Date | null;

  @Field(() => DateTimeResolver, { description: 'When it was raised.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { description: 'When it last changed.' })
  updatedAt: Date;
}

@InputType({ description: 'Which alerts to list (all given conditions hold).' })
export class AlertFilterInput {
  @Field(() => Int, { nullable: true, description: 'Only this engine.' })
  engineId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only this model version.' })
  modelVersionId?: number | null;

  @Field(() => AlertState, { nullable: true, description: 'Only alerts in this state.' })
  state?: AlertState | null;

  @Field(() => AlertSeverity, { nullable: true, description: 'Only alerts of this severity.' })
  severity?: AlertSeverity | null;
}

@ObjectType({ description: `A page of alerts, newest first (${DEFAULT_ALERTS_PAGE} by default, at most ${MAX_ALERTS_PAGE}).` })
export class AlertConnection extends ConnectionOf(Alert, 'Alert') {
  @Field(() => [Alert], { description: 'The alerts of this page.', deprecationReason: 'Use edges { node }.' })
  items: Alert[];

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last alert: pass it as after for the next page.',
    deprecationReason: 'Use pageInfo { endCursor }.',
  })
  endCursor: string | null;

  @Field(() => Boolean, { description: 'Whether older alerts follow.', deprecationReason: 'Use pageInfo { hasNextPage }.' })
  hasNextPage: boolean;
}

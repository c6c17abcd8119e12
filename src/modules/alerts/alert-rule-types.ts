import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { ALERT_RULE_BOUNDS } from '../../domain/alerts/alert-rule';

@ObjectType({ description: 'A level of severity: reached when either bound is.' })
export class AlertSeverityLevel {
  @Field(() => Float, {
    description: 'Excess over the threshold, (score - threshold) / |threshold|, that k of the last n windows reach (0.5 = 1.5 times it).',
  })
  excess: number;

  @Field(() => Int, { description: 'Windows above the threshold since the alert opened.' })
  windows: number;
}

@ObjectType({ description: "A model version's k-of-n alert rule (docs/alerts.md)." })
export class AlertRule {
  @Field(() => Int, { description: 'Windows above the threshold, among the last n, that open an alert.' })
  k: number;

  @Field(() => Int, { description: 'Windows the rule looks back over.' })
  n: number;

  @Field(() => Int, { description: 'Consecutive windows at or below the threshold that close an alert.' })
  m: number;

  @Field(() => AlertSeverityLevel, { description: 'Either bound reached makes an alert SERIOUS.' })
  serious: AlertSeverityLevel;

  @Field(() => AlertSeverityLevel, { description: 'Either bound reached makes an alert CRITICAL (at least the serious levels).' })
  critical: AlertSeverityLevel;

  @Field(() => Int, { description: 'Most sensors named as driving an alert.' })
  drivingSensors: number;
}

@InputType({ description: 'Bounds of a severity level; a missing one keeps its current value.' })
export class AlertSeverityLevelInput {
  @Field(() => Float, { nullable: true, description: `Excess over the threshold, in (0, ${ALERT_RULE_BOUNDS.excess}].` })
  excess?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Windows above the threshold since the alert opened, 1 to ${ALERT_RULE_BOUNDS.windows}.`,
  })
  windows?: number | null;
}

@InputType({
  description:
    'Settings of the k-of-n alert rule; a missing one keeps its current value (the default rule at training). BAD_USER_INPUT (INVALID_TRAINING_CONFIG at training) unless 1 <= k <= n and the critical levels are at least the serious ones.',
})
export class AlertRuleInput {
  @Field(() => Int, { nullable: true, description: 'Windows above the threshold, among the last n, that open an alert (1 to n).' })
  k?: number | null;

  @Field(() => Int, { nullable: true, description: `Windows the rule looks back over (k to ${ALERT_RULE_BOUNDS.n}).` })
  n?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Consecutive windows at or below the threshold that close an alert (1 to ${ALERT_RULE_BOUNDS.m}).`,
  })
  m?: number | null;

  @Field(() => AlertSeverityLevelInput, { nullable: true, description: 'When an alert becomes SERIOUS.' })
  serious?: AlertSeverityLevelInput | null;

  @Field(() => AlertSeverityLevelInput, { nullable: true, description: 'When an alert becomes CRITICAL.' })
  critical?: AlertSeverityLevelInput | null;

  @Field(() => Int, { nullable: true, description: `Most sensors named as driving an alert (0 to ${ALERT_RULE_BOUNDS.drivingSensors}).` })
  drivingSensors?: number | null;
}

@ObjectType({ description: "The alert rule that judges an engine's next scored window under a model version." })
export class EngineAlertRule {
  @Field(() => Int, { description: 'The engine.' })
  engineId: number;

  @Field(() => Int, { description: 'The model version.' })
  modelVersionId: number;

  @Field(() => AlertRule, { description: "The rule's settings." })
  rule: AlertRule;

  @Field(() => Boolean, {
    description: "True when it is the engine's own rule (setEngineAlertRule), false when it is the version's.",
  })
  overridden: boolean;
}

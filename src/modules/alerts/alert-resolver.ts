import { ApiRole, type Alert as AlertRow } from '@prisma/client';
import { Arg, Authorized, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Connection } from '../../platform/db/connection';
import type { FieldCost } from '../../platform/graphql/cost';
import { Trajectory } from '../engines/engine-types';
import type { Trajectory as ScoredTrajectory } from '../scoring/trajectory-service';
import type { SubscriptionContext } from '../../platform/graphql/subscription-server';
import { eventsMatching } from '../../platform/events/event-bus';
import { ALERTS_TOPIC, alertMatches, alertRowOf, type AlertEvent } from './alert-events';
import { DEFAULT_ALERTS_PAGE, MAX_ALERTS_PAGE, MAX_TRAJECTORY_ALERTS, type AlertService } from './alert-service';
import { Alert, AlertConnection, AlertFilterInput, type AlertSensor } from './alert-types';

function toAlert(row: AlertRow): Alert {
  return { ...row, drivingSensors: row.drivingSensors as unknown as AlertSensor[] };
}

function toConnection(page: Connection<AlertRow>): AlertConnection {
  const edges = page.edges.map((edge) => ({ cursor: edge.cursor, node: toAlert(edge.node) }));
  const items = edges.map((edge) => edge.node);
  return { ...page, edges, items, endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage };
}

@Resolver(() => Alert)
export class AlertResolver {
  constructor(private readonly alertService: AlertService) {}

  @Authorized(ApiRole.READER)
  @Query(() => AlertConnection, { description: 'Alerts, newest first, optionally filtered: a cursor connection (first/after).' })
  async alerts(
    @Arg('filter', () => AlertFilterInput, { nullable: true }) filter?: AlertFilterInput,
    @Arg('first', () => Int, { defaultValue: DEFAULT_ALERTS_PAGE, description: `Alerts to return, 1 to ${MAX_ALERTS_PAGE}.` })
    first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string | null,
  ): Promise<AlertConnection> {
    return toConnection(await this.alertService.list(filter ?? {}, { first, after }));
  }

  @Authorized(ApiRole.READER)
  @Subscription(() => Alert, {
    name: 'alerts',
    description:
      'Each alert as it is after a change from now on (opened, severity raised or closed by any scoring path: appendCycles, trajectory reads, batch jobs, evaluations, registrations; acknowledged or resolved by an operator), on any replica, once stored; optionally filtered as the alerts query. Over graphql-ws at /graphql.',
    subscribe: ({ context, args }) =>
      eventsMatching((context as SubscriptionContext).events.subscribe(ALERTS_TOPIC) as AsyncIterable<AlertEvent>, (event) =>
        alertMatches(event, (args as { filter?: AlertFilterInput }).filter),
      ),
  })
  alertRaised(
    @Root() event: AlertEvent,
    // Read by subscribe above.
    @Arg('filter', () => AlertFilterInput, { nullable: true }) _filter?: AlertFilterInput,
  ): Alert {
    return toAlert(alertRowOf(event));
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => Alert, { description: 'Acknowledges an OPEN alert (CONFLICT in another state).' })
  async acknowledgeAlert(@Arg('id', () => Int, { description: 'Alert id.' }) id: number): Promise<Alert> {
    return toAlert(await this.alertService.acknowledge(id));
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => Alert, { description: 'Resolves an OPEN or ACKNOWLEDGED alert (CONFLICT in another state).' })
  async resolveAlert(@Arg('id', () => Int, { description: 'Alert id.' }) id: number): Promise<Alert> {
    return toAlert(await this.alertService.resolve(id));
  }
}

@Resolver(() => Trajectory)
export class TrajectoryAlertsResolver {
  constructor(private readonly alertService: AlertService) {}

  @Extensions({ cost: { assumedSize: MAX_TRAJECTORY_ALERTS } satisfies FieldCost })
  @FieldResolver(() => [Alert], {
    description: `Alerts of the engine under the version that overlap the trajectory's windows, in opening order (at most ${MAX_TRAJECTORY_ALERTS}: the latest).`,
  })
  async alerts(@Root() trajectory: ScoredTrajectory): Promise<Alert[]> {
    const { points } = trajectory;
    if (points.length === 0) return [];
    const rows = await this.alertService.overlapping(
      trajectory.engineId,
      trajectory.modelVersionId,
      points[0].endCycle,
      points[points.length - 1].endCycle,
    );
    return rows.map(toAlert);
  }
}

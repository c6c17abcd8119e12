import { ApiRole } from '@prisma/client';
import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { ServiceInfo } from '../types/serviceInfo';

@Resolver(() => ServiceInfo)
export class ServiceInfoResolver {
  @Authorized(ApiRole.READER)
  @Query(() => ServiceInfo, { description: 'Versions, TensorFlow.js backend, database kind, active model version and counts.' })
  serviceInfo(@Ctx() { services }: RequestContext) {
    return services.info.info();
  }
}

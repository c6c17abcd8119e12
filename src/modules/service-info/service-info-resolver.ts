import { ApiRole } from '@prisma/client';
import { Authorized, Query, Resolver } from 'type-graphql';
import type { ServiceInfoService } from './service-info-service';
import { ServiceInfo } from './service-info-types';

@Resolver(() => ServiceInfo)
export class ServiceInfoResolver {
  constructor(private readonly info: ServiceInfoService) {}

  @Authorized(ApiRole.READER)
  @Query(() => ServiceInfo, { description: 'Versions, TensorFlow.js backend, database kind, active model version and counts.' })
  serviceInfo() {
    return this.info.info();
  }
}

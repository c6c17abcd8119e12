// The use cases of the service, wired to one database.
import type { Database } from '../db/database';
import { EngineService } from './engineService';

export interface AppServices {
  database: Database;
  engines: EngineService;
}

export function createServices(database: Database): AppServices {
  return {
    database,
    engines: new EngineService(database.prisma),
  };
}

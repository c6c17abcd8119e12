// Offset pagination, the same for every list of the API.
import { badInput } from '../errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface PageRequest {
  offset?: number | null;
  limit?: number | null;
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  offset: number;
  limit: number;
  hasMore: boolean;
}

export function toPage<T>(items: T[], totalCount: number, offset: number, limit: number): Page<T> {
  return { items, totalCount, offset, limit, hasMore: offset + items.length < totalCount };
}

export function resolvePage(request: PageRequest | undefined | null): { offset: number; limit: number } {
  const offset = request?.offset ?? 0;
  const limit = request?.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(offset) || offset < 0) throw badInput(`page.offset must be a non-negative integer, got ${offset}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badInput(`page.limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return { offset, limit };
}

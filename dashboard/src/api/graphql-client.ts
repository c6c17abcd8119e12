// The dashboard's only way to the service: POST /graphql, as any client. With authentication on, the
// API key the operator typed is kept in sessionStorage (gone when the tab closes) and sent as
// `Authorization: Bearer <key>`, as the API asks. Operations are the documents GraphQL Code Generator
// types from schema.graphql (../gql, `npm run dashboard:codegen`): their text is sent as it is, and
// their result and variables types come with them.
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

const API_KEY_STORAGE = 'engine-health.api-key';
const GRAPHQL_URL = '/graphql';

/** A GraphQL error answer, with its `extensions.code` (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT...). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedApiKey(): string | null {
  return sessionStorage.getItem(API_KEY_STORAGE);
}

export function storeApiKey(key: string | null): void {
  dropPrefetched();
  if (key) sessionStorage.setItem(API_KEY_STORAGE, key);
  else sessionStorage.removeItem(API_KEY_STORAGE);
}

/** A generated operation: its text (toString) with its result and variables types. */
export type Operation<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

// Answers asked for before the page that reads them was rendered (./prefetch.ts), each taken once by
// the first identical request: the page's own code loads and renders while they travel. Those not
// taken are dropped when the operator moves to another page or gives a key (they were asked without
// it), so that no later request gets an answer older than itself.
const prefetched = new Map<string, Promise<unknown>>();

export function dropPrefetched(): void {
  prefetched.clear();
}

function operationKey(query: string, variables: unknown): string {
  return JSON.stringify([query, variables]);
}

/**
 * Sends an operation now for a page about to ask for it; a failure is left to that page's request. The
 * answer is returned too, for a read that depends on it.
 */
export function prefetch<TResult, TVariables>(operation: Operation<TResult, TVariables>, variables: TVariables): Promise<TResult> {
  const query = operation.toString();
  const answer = send<TResult>(query, variables);
  answer.catch(() => undefined);
  prefetched.set(operationKey(query, variables), answer);
  return answer;
}

/** Runs one operation (or takes its prefetched answer); any error in the answer is thrown as an ApiError. */
export function graphql<TResult, TVariables>(
  operation: Operation<TResult, TVariables>,
  variables: TVariables,
  signal?: AbortSignal,
): Promise<TResult> {
  const query = operation.toString();
  const key = operationKey(query, variables);
  const early = prefetched.get(key);
  if (early) {
    prefetched.delete(key);
    return early as Promise<TResult>;
  }
  return send<TResult>(query, variables, signal);
}

async function send<T>(query: string, variables: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  const key = storedApiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(GRAPHQL_URL, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal });
  let answer: GraphQLAnswer<T>;
  try {
    answer = (await response.json()) as GraphQLAnswer<T>;
  } catch {
    throw new ApiError(`the service answered ${response.status} without a GraphQL result`, null, response.status);
  }
  const error = answer.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code ?? null, response.status);
  if (!answer.data) throw new ApiError('the service answered no data', null, response.status);
  return answer.data;
}

// Runs a query when its variables change and keeps its latest answer; an answer saying the API key is
// missing or invalid asks the app for one (./auth.tsx).
import { useCallback, useEffect, useState } from 'react';
import { ApiError, graphql, type Operation } from './graphql-client';
import { useAuth } from './auth';

export interface QueryState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useQuery<T, TVariables>(
  query: Operation<T, TVariables>,
  variables: TVariables,
  options: { skip?: boolean } = {},
): QueryState<T> {
  const { askForKey, keyVersion } = useAuth();
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: !options.skip,
  });
  const [reloads, setReloads] = useState(0);
  const variablesKey = JSON.stringify(variables);
  useEffect(() => {
    if (options.skip) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: null }));
    graphql(query, JSON.parse(variablesKey) as TVariables, controller.signal).then(
      (data) => {
        // A prefetched answer is not aborted with the request that took it: one for older variables is dropped.
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError = error instanceof ApiError ? error : new ApiError(String(error), null, 0);
        if (apiError.code === 'UNAUTHENTICATED') askForKey(apiError.message);
        setState({ data: null, error: apiError, loading: false });
      },
    );
    return () => controller.abort();
  }, [query, variablesKey, reloads, keyVersion, options.skip, askForKey]);
  const reload = useCallback(() => setReloads((count) => count + 1), []);
  return { ...state, reload };
}

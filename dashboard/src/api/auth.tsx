// Authentication in the browser: when the API answers UNAUTHENTICATED, the app shows a form for an API
// key; the key is kept in sessionStorage and every query runs again with it.
import { createContext, useCallback, useContext, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { storeApiKey, storedApiKey } from './graphql-client';

interface AuthState {
  /** Shows the key form, with why. */
  askForKey: (reason: string) => void;
  /** Changes whenever the key does, so that queries run again. */
  keyVersion: number;
  hasKey: boolean;
  forgetKey: () => void;
}

const AuthContext = createContext<AuthState>({ askForKey: () => undefined, keyVersion: 0, hasKey: false, forgetKey: () => undefined });

export function useAuth(): AuthState {
  return useContext(AuthContext);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [keyVersion, setKeyVersion] = useState(0);
  const [reason, setReason] = useState<string | null>(null);
  const askForKey = useCallback((why: string) => setReason(why), []);
  const forgetKey = useCallback(() => {
    storeApiKey(null);
    setKeyVersion((version) => version + 1);
  }, []);
  const state = useMemo(() => ({ askForKey, keyVersion, hasKey: storedApiKey() !== null, forgetKey }), [askForKey, keyVersion, forgetKey]);
  const submit = (key: string) => {
    storeApiKey(key);
    setReason(null);
    setKeyVersion((version) => version + 1);
  };
  return (
    <AuthContext.Provider value={state}>
      {reason !== null ? <ApiKeyForm reason={reason} onSubmit={submit} /> : children}
    </AuthContext.Provider>
  );
}

function ApiKeyForm({ reason, onSubmit }: { reason: string; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) onSubmit(key.trim());
  };
  return (
    <main className="page narrow">
      <h1>API key</h1>
      <p>This service has authentication on. Enter an API key (it is kept in this browser tab only).</p>
      <p className="error" role="alert">
        {reason}
      </p>
      <form onSubmit={submit} className="key-form">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          placeholder="ehk_..."
        />
        <button type="submit">Use this key</button>
      </form>
    </main>
  );
}

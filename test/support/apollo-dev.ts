// Apollo Client reports cache problems only in development mode, which it reads from globalThis.__DEV__
// when its modules load: import this before @apollo/client.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;

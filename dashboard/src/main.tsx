import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app';
import { prefetchRoute } from './api/prefetch';
import { parseHash } from './router';

prefetchRoute(parseHash(window.location.hash));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

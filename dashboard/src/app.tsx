import { AuthProvider, useAuth } from './api/auth';
import { ViewerProvider, useViewer, type Role } from './api/viewer';
import { href, useRoute } from './router';
import { lazy, Suspense } from 'react';
import { FleetPage } from './pages/fleet-page';

// The fleet, the first page, comes with the app; the others (and uPlot, which only they draw with) are
// loaded when first shown, so that the fleet page parses a third less code.
const EnginePage = lazy(() => import('./pages/engine-page').then((module) => ({ default: module.EnginePage })));
const ModelsPage = lazy(() => import('./pages/models-page').then((module) => ({ default: module.ModelsPage })));
const TrainingPage = lazy(() => import('./pages/training-page').then((module) => ({ default: module.TrainingPage })));
const ScoreFilePage = lazy(() => import('./pages/score-file-page').then((module) => ({ default: module.ScoreFilePage })));
const ComparePage = lazy(() => import('./pages/compare-page').then((module) => ({ default: module.ComparePage })));

// Pages whose purpose is an action are offered to keys with its role only.
const NAVIGATION: { path: string; label: string; role?: Role }[] = [
  { path: '', label: 'Fleet' },
  { path: 'models', label: 'Models' },
  { path: 'score', label: 'Score a file', role: 'SCORER' },
  { path: 'training', label: 'Training', role: 'OPERATOR' },
];

export function App() {
  return (
    <AuthProvider>
      <ViewerProvider>
        <Shell />
      </ViewerProvider>
    </AuthProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { hasKey, forgetKey } = useAuth();
  const viewer = useViewer();
  const [section] = route.segments;
  return (
    <>
      <header className="top-bar">
        <span className="brand">Engine health</span>
        <nav aria-label="Pages">
          {NAVIGATION.filter((item) => !item.role || viewer.can(item.role)).map((item) => (
            <a key={item.path} href={href(item.path)} aria-current={(section ?? '') === item.path ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
          <a href="/graphql">GraphQL IDE</a>
        </nav>
        {viewer.authenticated && (
          <span className="viewer" data-testid="viewer">
            {viewer.name} ({viewer.roles.map((role) => role.toLowerCase()).join(', ')})
          </span>
        )}
        {hasKey && (
          <button type="button" className="link-button" onClick={forgetKey}>
            Forget API key
          </button>
        )}
      </header>
      {/* One boundary per page: the page left is unmounted while the next one's code loads, not kept hidden. */}
      <Suspense key={section ?? ''} fallback={<p className="status">Loading the page…</p>}>
        <Page section={section} route={route} />
      </Suspense>
    </>
  );
}

function Page({ section, route }: { section: string | undefined; route: ReturnType<typeof useRoute> }) {
  switch (section) {
    case undefined:
      return <FleetPage params={route.params} />;
    case 'engines': {
      const id = Number(route.segments[1]);
      if (Number.isInteger(id) && id > 0) return <EnginePage key={id} id={id} params={route.params} />;
      break;
    }
    case 'models':
      return <ModelsPage selectedId={optionalId(route.segments[1])} params={route.params} />;
    case 'compare':
      return <ComparePage params={route.params} />;
    case 'score':
      return <ScoreFilePage />;
    case 'training':
      return <TrainingPage key={route.segments[1] ?? 'new'} jobId={optionalId(route.segments[1])} />;
  }
  return (
    <main className="page">
      <h1>Not found</h1>
      <p>
        No page at this address. <a href={href('')}>Back to the fleet</a>.
      </p>
    </main>
  );
}

function optionalId(segment: string | undefined): number | null {
  const id = Number(segment);
  return segment !== undefined && Number.isInteger(id) && id > 0 ? id : null;
}

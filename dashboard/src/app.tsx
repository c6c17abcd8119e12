import { AuthProvider, useAuth } from './api/auth';
import { href, useRoute } from './router';
import { FleetPage } from './pages/fleet-page';
import { EnginePage } from './pages/engine-page';
import { ModelsPage } from './pages/models-page';
import { TrainingPage } from './pages/training-page';
import { ScoreFilePage } from './pages/score-file-page';
import { ComparePage } from './pages/compare-page';

const NAVIGATION = [
  { path: '', label: 'Fleet' },
  { path: 'models', label: 'Models' },
  { path: 'score', label: 'Score a file' },
  { path: 'training', label: 'Training' },
];

export function App() {
  return (
    <AuthProvider>
      <Shell />
    </AuthProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { hasKey, forgetKey } = useAuth();
  const [section] = route.segments;
  return (
    <>
      <header className="top-bar">
        <span className="brand">Engine health</span>
        <nav aria-label="Pages">
          {NAVIGATION.map((item) => (
            <a key={item.path} href={href(item.path)} aria-current={(section ?? '') === item.path ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
          <a href="/graphql">GraphQL IDE</a>
        </nav>
        {hasKey && (
          <button type="button" className="link-button" onClick={forgetKey}>
            Forget API key
          </button>
        )}
      </header>
      <Page section={section} route={route} />
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

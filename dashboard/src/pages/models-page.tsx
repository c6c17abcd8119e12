// Models: the registered versions with their kind, scoring method, metrics and active flag; a version's
// ROC and precision-recall curves with its operating point; activating a version.
import { useState } from 'react';
import { ApiError, graphql } from '../api/graphql-client';
import { useQuery } from '../api/use-query';
import { href } from '../router';
import { CurveChart } from '../charts/curve-chart';
import { ErrorMessage } from './error-message';

const MODELS_PAGE_SIZE = 20;
const METRIC_FIELDS = 'windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn }';

const VERSIONS_QUERY = `query ModelVersions($page: PageInput) {
  modelVersions(page: $page) {
    totalCount hasMore
    items { id version name kind isActive status createdAt threshold scoringMethod { kind } metrics { ${METRIC_FIELDS} } }
  }
}`;

const VERSION_QUERY = `query ModelVersionCurves($id: Int!) {
  modelVersion(id: $id) {
    id version name kind threshold
    evaluations { id createdAt metrics { ${METRIC_FIELDS} } rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision } }
  }
}`;

const ACTIVATE_MUTATION = `mutation ActivateModelVersion($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }`;

interface Metrics {
  windows: number;
  anomalous: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  prAuc: number | null;
  threshold: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
}

interface VersionRow {
  id: number;
  version: number;
  name: string | null;
  kind: string;
  isActive: boolean;
  status: string;
  createdAt: string;
  threshold: number;
  scoringMethod: { kind: string };
  metrics: Metrics | null;
}

interface VersionCurves {
  id: number;
  version: number;
  name: string | null;
  evaluations: {
    id: number;
    createdAt: string;
    metrics: Metrics;
    rocCurve: { falsePositiveRate: number; truePositiveRate: number }[];
    prCurve: { recall: number; precision: number }[];
  }[];
}

function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(3);
}

export function ModelsPage({ selectedId, params }: { selectedId: number | null; params: URLSearchParams }) {
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const versions = useQuery<{ modelVersions: { totalCount: number; hasMore: boolean; items: VersionRow[] } }>(VERSIONS_QUERY, {
    page: { limit: MODELS_PAGE_SIZE, offset },
  });
  const [activation, setActivation] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });

  const activate = async (id: number) => {
    setActivation({ busy: true, error: null });
    try {
      await graphql(ACTIVATE_MUTATION, { id });
      setActivation({ busy: false, error: null });
      versions.reload();
    } catch (error) {
      setActivation({ busy: false, error: error instanceof ApiError ? error : new ApiError(String(error), null, 0) });
    }
  };

  const rows = versions.data?.modelVersions.items ?? [];
  return (
    <main className="page">
      <h1>Models</h1>
      <ErrorMessage error={versions.error ?? activation.error} />
      <p className="status" aria-live="polite">
        {versions.loading ? 'Loading versions…' : versions.data ? `${versions.data.modelVersions.totalCount} versions.` : ''}
        {rows.length === 0 && versions.data ? (
          <>
            {' '}
            <a href={href('training')}>Train one</a>.
          </>
        ) : null}
      </p>
      <table className="models">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Kind</th>
            <th scope="col">Scoring</th>
            <th scope="col">Threshold</th>
            <th scope="col">ROC-AUC</th>
            <th scope="col">PR-AUC</th>
            <th scope="col">Precision</th>
            <th scope="col">Recall</th>
            <th scope="col">F1</th>
            <th scope="col">Active</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-version-id={row.id} className={row.id === selectedId ? 'selected' : undefined}>
              <td>
                <a href={href(`models/${row.id}`, { offset: offset || undefined })}>
                  v{row.version}
                  {row.name ? ` ${row.name}` : ''}
                </a>
              </td>
              <td>{row.kind}</td>
              <td>{row.scoringMethod.kind}</td>
              <td className="number">{row.threshold.toPrecision(4)}</td>
              <td className="number">{formatMetric(row.metrics?.rocAuc)}</td>
              <td className="number">{formatMetric(row.metrics?.prAuc)}</td>
              <td className="number">{formatMetric(row.metrics?.precision)}</td>
              <td className="number">{formatMetric(row.metrics?.recall)}</td>
              <td className="number">{formatMetric(row.metrics?.f1)}</td>
              <td data-testid={`active-${row.id}`}>
                {row.isActive ? (
                  'active'
                ) : (
                  <button
                    type="button"
                    disabled={activation.busy}
                    onClick={() => void activate(row.id)}
                    aria-label={`Activate v${row.version}`}
                  >
                    Activate
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Version pages">
        {offset > 0 && <a href={href('models', { offset: Math.max(0, offset - MODELS_PAGE_SIZE) })}>Previous</a>}
        {versions.data?.modelVersions.hasMore && <a href={href('models', { offset: offset + MODELS_PAGE_SIZE })}>Next</a>}
      </nav>
      {selectedId !== null && <VersionCurvesPanel id={selectedId} />}
    </main>
  );
}

function VersionCurvesPanel({ id }: { id: number }) {
  const answer = useQuery<{ modelVersion: VersionCurves }>(VERSION_QUERY, { id });
  const version = answer.data?.modelVersion;
  const evaluation = version?.evaluations[0];
  if (answer.error) return <ErrorMessage error={answer.error} />;
  if (!version) return <p className="status">Loading curves…</p>;
  if (!evaluation) return <p className="status">Version v{version.version} has no evaluation.</p>;
  const { metrics } = evaluation;
  const negatives = metrics.confusion.fp + metrics.confusion.tn;
  const falsePositiveRate = negatives ? metrics.confusion.fp / negatives : 0;
  return (
    <section aria-labelledby="curves-title">
      <h2 id="curves-title">
        v{version.version}
        {version.name ? ` ${version.name}` : ''}: evaluation on {metrics.windows} test windows ({metrics.anomalous} anomalous)
      </h2>
      <div className="curves">
        <CurveChart
          title="ROC curve"
          xLabel="false positive rate"
          yLabel="true positive rate"
          points={evaluation.rocCurve.map((point) => ({ x: point.falsePositiveRate, y: point.truePositiveRate }))}
          operatingPoint={{ x: falsePositiveRate, y: metrics.recall }}
          testId="roc-curve"
        />
        <CurveChart
          title="Precision-recall curve"
          xLabel="recall"
          yLabel="precision"
          points={evaluation.prCurve.map((point) => ({ x: point.recall, y: point.precision }))}
          operatingPoint={{ x: metrics.recall, y: metrics.precision }}
          testId="pr-curve"
        />
        <table className="confusion" aria-label="Confusion matrix at the threshold">
          <thead>
            <tr>
              <td />
              <th scope="col">flagged</th>
              <th scope="col">not flagged</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">anomalous</th>
              <td className="number">{metrics.confusion.tp}</td>
              <td className="number">{metrics.confusion.fn}</td>
            </tr>
            <tr>
              <th scope="row">healthy</th>
              <td className="number">{metrics.confusion.fp}</td>
              <td className="number">{metrics.confusion.tn}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

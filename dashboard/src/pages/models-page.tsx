// Models: the registered versions with their kind, scoring method, metrics and active flag; activating a
// version; choosing two to four to compare (./compare-page.tsx). For the chosen version: its
// training and validation loss per epoch (from its training job), ROC and precision-recall curves with its
// operating point, the score distributions of the healthy and anomalous test windows with the threshold,
// and the confusion matrix, all from its latest evaluation.
import { useMemo, useState } from 'react';
import { ApiError, graphql } from '../api/graphql-client';
import { neighbourPages, pageArguments, pageParams } from '../api/cursor-pages';
import { useQuery } from '../api/use-query';
import { href } from '../router';
import { CurveChart } from '../charts/curve-chart';
import { ScoreDistributionChart } from '../charts/score-distribution-chart';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { ErrorMessage } from './error-message';
import { MAX_COMPARED } from './compared-ids';
import { useViewer } from '../api/viewer';
import { gql } from '../api/gql';
import type { ModelVersionCurvesQuery } from '../gql/graphql';

const MODELS_PAGE_SIZE = 20;

const VERSIONS_QUERY = gql(`query ModelVersions($first: Int, $after: String, $last: Int, $before: String) {
  modelVersionsConnection(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      node {
        id version name kind isActive status createdAt threshold scoringMethod { kind }
        metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }
      }
    }
  }
}`);

const VERSION_QUERY = gql(`query ModelVersionCurves($id: Int!) {
  modelVersion(id: $id) {
    id version name kind lineage { trainingJobId }
    evaluationsConnection(first: 1) {
      edges {
        node {
          id createdAt metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }
          rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision }
          scoreDistribution { edges healthy anomalous logScale }
        }
      }
    }
  }
}`);

const LOSS_QUERY = gql(`query TrainingJobLosses($id: Int!) { trainingJob(id: $id) { id epochs { epoch loss validationLoss } } }`);

const ACTIVATE_MUTATION = gql(
  `mutation ActivateModelVersion($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }`,
);

type VersionCurves = NonNullable<ModelVersionCurvesQuery['modelVersion']>;

function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(3);
}

export function ModelsPage({ selectedId, params }: { selectedId: number | null; params: URLSearchParams }) {
  const page = pageParams(params);
  const versions = useQuery(VERSIONS_QUERY, pageArguments(params, MODELS_PAGE_SIZE));
  const connection = versions.data?.modelVersionsConnection;
  const neighbours = connection ? neighbourPages(connection.pageInfo) : { previous: null, next: null };
  const [activation, setActivation] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });
  const [compared, setCompared] = useState<number[]>([]);
  const mayActivate = useViewer().can('OPERATOR');
  const toggleCompared = (id: number, on: boolean) =>
    setCompared((current) => (on ? [...current.filter((item) => item !== id), id] : current.filter((item) => item !== id)));

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

  const rows = useMemo(() => connection?.edges.map((edge) => edge.node) ?? [], [connection]);
  return (
    <main className="page">
      <h1>Models</h1>
      <ErrorMessage error={versions.error ?? activation.error} />
      <p className="status" aria-live="polite">
        {versions.loading ? 'Loading versions…' : connection ? `${connection.totalCount} versions.` : ''}
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
            <th scope="col">Compare</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-version-id={row.id} className={row.id === selectedId ? 'selected' : undefined}>
              <td>
                <a href={href(`models/${row.id}`, { ...page })}>
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
                ) : !mayActivate ? (
                  ''
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
              <td>
                <input
                  type="checkbox"
                  aria-label={`Compare v${row.version}`}
                  checked={compared.includes(row.id)}
                  disabled={!compared.includes(row.id) && compared.length >= MAX_COMPARED}
                  onChange={(event) => toggleCompared(row.id, event.target.checked)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {compared.length >= 2 ? (
          <a href={href('compare', { ids: compared.join(',') })} data-testid="compare-link">
            Compare {compared.length} versions
          </a>
        ) : (
          <span className="status">Tick 2 to {MAX_COMPARED} versions to compare them on the same windows.</span>
        )}
      </p>
      <nav className="pager" aria-label="Version pages">
        {neighbours.previous && <a href={href('models', { ...neighbours.previous })}>Previous</a>}
        {neighbours.next && <a href={href('models', { ...neighbours.next })}>Next</a>}
      </nav>
      {selectedId !== null && <VersionPanel id={selectedId} />}
    </main>
  );
}

function VersionPanel({ id }: { id: number }) {
  const answer = useQuery(VERSION_QUERY, { id });
  const version = answer.data?.modelVersion;
  const evaluation = version?.evaluationsConnection.edges[0]?.node;
  if (answer.error) return <ErrorMessage error={answer.error} />;
  if (!version) return <p className="status">Loading the version…</p>;
  const title = `v${version.version}${version.name ? ` ${version.name}` : ''}`;
  return (
    <section aria-labelledby="version-title">
      <h2 id="version-title">{title}</h2>
      <h3>Loss per epoch</h3>
      {version.lineage.trainingJobId === null ? (
        <p className="status">No training job is recorded for {title}.</p>
      ) : (
        <LossPanel jobId={version.lineage.trainingJobId} />
      )}
      {evaluation ? <EvaluationPanel evaluation={evaluation} /> : <p className="status">{title} has no evaluation.</p>}
    </section>
  );
}

function LossPanel({ jobId }: { jobId: number }) {
  const answer = useQuery(LOSS_QUERY, { id: jobId });
  const epochs = useMemo(() => (answer.data?.trainingJob?.epochs ?? []).filter((epoch) => epoch.loss !== null), [answer.data]);
  const x = useMemo(() => epochs.map((epoch) => epoch.epoch), [epochs]);
  const series = useMemo(
    () => [
      { label: 'training loss', values: epochs.map((epoch) => epoch.loss), color: '#0b5cad' },
      { label: 'validation loss', values: epochs.map((epoch) => epoch.validationLoss), color: '#bf8700' },
    ],
    [epochs],
  );
  if (answer.error) return <ErrorMessage error={answer.error} />;
  if (!answer.data) return <p className="status">Loading the losses…</p>;
  if (epochs.length === 0) return <p className="status">Fitted in one go: no loss per epoch (training job {jobId}).</p>;
  return (
    <div data-testid="version-losses" data-epochs={JSON.stringify(epochs)}>
      <TimeSeriesChart
        x={x}
        series={series}
        xLabel="epoch"
        yLabel="loss"
        height={200}
        label={`Training and validation loss of ${epochs.length} epochs (training job ${jobId})`}
        testId="version-loss-chart"
      />
    </div>
  );
}

function EvaluationPanel({ evaluation }: { evaluation: VersionCurves['evaluationsConnection']['edges'][number]['node'] }) {
  const { metrics } = evaluation;
  const negatives = metrics.confusion.fp + metrics.confusion.tn;
  const falsePositiveRate = negatives ? metrics.confusion.fp / negatives : 0;
  return (
    <>
      <h3>
        Evaluation on {metrics.windows} test windows ({metrics.anomalous} anomalous)
      </h3>
      <div className="curves">
        <CurveChart
          title="ROC curve"
          xLabel="false positive rate"
          yLabel="true positive rate"
          series={[
            {
              label: 'ROC',
              points: evaluation.rocCurve.map((point) => ({ x: point.falsePositiveRate, y: point.truePositiveRate })),
              operatingPoint: { x: falsePositiveRate, y: metrics.recall },
            },
          ]}
          testId="roc-curve"
        />
        <CurveChart
          title="Precision-recall curve"
          xLabel="recall"
          yLabel="precision"
          series={[
            {
              label: 'PR',
              points: evaluation.prCurve.map((point) => ({ x: point.recall, y: point.precision })),
              operatingPoint: { x: metrics.recall, y: metrics.precision },
            },
          ]}
          testId="pr-curve"
        />
        <table className="confusion" aria-label="Confusion matrix at the threshold" data-testid="confusion-matrix">
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
              <td className="number" data-cell="tp">
                {metrics.confusion.tp}
              </td>
              <td className="number" data-cell="fn">
                {metrics.confusion.fn}
              </td>
            </tr>
            <tr>
              <th scope="row">healthy</th>
              <td className="number" data-cell="fp">
                {metrics.confusion.fp}
              </td>
              <td className="number" data-cell="tn">
                {metrics.confusion.tn}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <h3>Score distributions</h3>
      {evaluation.scoreDistribution ? (
        <ScoreDistributionChart distribution={evaluation.scoreDistribution} threshold={metrics.threshold} testId="score-distribution" />
      ) : (
        <p className="status">
          This evaluation was stored before score distributions were recorded: evaluate the version again to see them.
        </p>
      )}
    </>
  );
}

// Compare (/#/compare?ids=3,5): two to four versions scored on the same windows (the first version's test
// engines) through compareModelVersions: their ROC and precision-recall curves overlaid with each
// operating point, their metrics with the differences against the first, and how often their flags agree
// with the first's.
import { useQuery } from '../api/use-query';
import { href } from '../router';
import { CurveChart, SERIES_COLORS } from '../charts/curve-chart';
import { ErrorMessage } from './error-message';
import { comparedIds } from './compared-ids';
import { gql } from '../api/gql';
import type { CompareModelVersionsQuery } from '../gql/graphql';

const COMPARE_QUERY = gql(`query CompareModelVersions($ids: [Int!]!) {
  compareModelVersions(ids: $ids) {
    dataset units anomalyRul commonWindows
    versions {
      version { id version name kind scoringMethod { kind } }
      metrics { precision recall f1 accuracy rocAuc prAuc threshold confusion { tp fp tn fn } }
      deltas { rocAuc prAuc precision recall f1 accuracy }
      agreement flaggedOnlyByThis flaggedOnlyByFirst
      rocCurve { falsePositiveRate truePositiveRate }
      prCurve { recall precision }
    }
  }
}`);

type MetricName = 'rocAuc' | 'prAuc' | 'precision' | 'recall' | 'f1' | 'accuracy';

const METRICS: { name: MetricName; label: string }[] = [
  { name: 'rocAuc', label: 'ROC-AUC' },
  { name: 'prAuc', label: 'PR-AUC' },
  { name: 'precision', label: 'Precision' },
  { name: 'recall', label: 'Recall' },
  { name: 'f1', label: 'F1' },
  { name: 'accuracy', label: 'Accuracy' },
];

type ComparedVersion = CompareModelVersionsQuery['compareModelVersions']['versions'][number];

/** A metric, with its difference against the first version below it, e.g. "0.912 (+0.013)". */
function MetricWithDelta({ value, delta, isFirst }: { value: number | null; delta: number | null; isFirst: boolean }) {
  if (value === null) return <>—</>;
  if (isFirst || delta === null) return <>{value.toFixed(3)}</>;
  return (
    <>
      {value.toFixed(3)} <span className="delta">({`${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(3)}`})</span>
    </>
  );
}

function versionLabel(version: ComparedVersion['version']): string {
  return `v${version.version}${version.name ? ` ${version.name}` : ''}`;
}

export function ComparePage({ params }: { params: URLSearchParams }) {
  const ids = comparedIds(params.get('ids'));
  return (
    <main className="page">
      <h1>Compare versions</h1>
      {typeof ids === 'string' ? (
        <p className="error" role="alert">
          {ids}. <a href={href('models')}>Choose them on the Models page</a>.
        </p>
      ) : (
        <ComparisonView ids={ids} />
      )}
    </main>
  );
}

function ComparisonView({ ids }: { ids: number[] }) {
  const answer = useQuery(COMPARE_QUERY, { ids });
  const comparison = answer.data?.compareModelVersions;
  if (answer.error) return <ErrorMessage error={answer.error} />;
  if (!comparison) return <p className="status">Scoring the versions on the same windows…</p>;
  const [first] = comparison.versions;
  return (
    <>
      <p className="status" data-testid="comparison-summary">
        {comparison.commonWindows} windows of {comparison.dataset} units {comparison.units.join(', ')} scored by every version (anomalous:
        RUL ≤ {comparison.anomalyRul}); differences and agreement are against the first, {versionLabel(first.version)}.
      </p>
      <table className="models comparison" data-testid="comparison-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Kind</th>
            {METRICS.map((metric) => (
              <th scope="col" key={metric.name}>
                {metric.label}
              </th>
            ))}
            <th scope="col">Agreement</th>
            <th scope="col">Flagged only by it</th>
            <th scope="col">Flagged only by the first</th>
          </tr>
        </thead>
        <tbody>
          {comparison.versions.map((entry, index) => (
            <tr key={entry.version.id} data-version-id={entry.version.id}>
              <th scope="row">
                <svg className="swatch" width={12} height={12} aria-hidden="true">
                  <rect width={12} height={12} fill={SERIES_COLORS[index % SERIES_COLORS.length]} />
                </svg>
                <a href={href(`models/${entry.version.id}`)}>{versionLabel(entry.version)}</a>
              </th>
              <td>
                {entry.version.kind} <span className="delta">{entry.version.scoringMethod.kind}</span>
              </td>
              {METRICS.map((metric) => (
                <td className="number" key={metric.name} data-metric={metric.name}>
                  <MetricWithDelta value={entry.metrics[metric.name]} delta={entry.deltas[metric.name]} isFirst={index === 0} />
                </td>
              ))}
              <td className="number" data-metric="agreement">
                {(entry.agreement * 100).toFixed(1)}%
              </td>
              <td className="number" data-metric="flaggedOnlyByThis">
                {entry.flaggedOnlyByThis}
              </td>
              <td className="number" data-metric="flaggedOnlyByFirst">
                {entry.flaggedOnlyByFirst}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="curves">
        <CurveChart
          title="ROC curves"
          xLabel="false positive rate"
          yLabel="true positive rate"
          series={comparison.versions.map((entry) => {
            const negatives = entry.metrics.confusion.fp + entry.metrics.confusion.tn;
            return {
              label: versionLabel(entry.version),
              points: entry.rocCurve.map((point) => ({ x: point.falsePositiveRate, y: point.truePositiveRate })),
              operatingPoint: { x: negatives ? entry.metrics.confusion.fp / negatives : 0, y: entry.metrics.recall ?? 0 },
            };
          })}
          testId="compare-roc"
        />
        <CurveChart
          title="Precision-recall curves"
          xLabel="recall"
          yLabel="precision"
          series={comparison.versions.map((entry) => ({
            label: versionLabel(entry.version),
            points: entry.prCurve.map((point) => ({ x: point.recall, y: point.precision })),
            operatingPoint: { x: entry.metrics.recall ?? 0, y: entry.metrics.precision ?? 0 },
          }))}
          testId="compare-pr"
        />
      </div>
    </>
  );
}

// Terminal rendering of evaluation metrics.
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';

const format = (value: number | null, digits = 4) => (value === null ? 'n/a' : value.toFixed(digits));

export function metricsTable(title: string, metrics: MetricsRecord): string {
  const { tp, fp, tn, fn } = metrics.confusion;
  const rows: [string, string][] = [
    ['windows (anomalous)', `${metrics.windows} (${metrics.anomalous})`],
    ['threshold', metrics.threshold.toPrecision(6)],
    ['ROC-AUC', format(metrics.rocAuc)],
    ['PR-AUC', format(metrics.prAuc)],
    ['precision', format(metrics.precision)],
    ['recall', format(metrics.recall)],
    ['F1', format(metrics.f1)],
    ['accuracy', format(metrics.accuracy)],
    ['confusion', `tp ${tp}  fp ${fp}  tn ${tn}  fn ${fn}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}

// The score distributions of an evaluation's healthy and anomalous windows on the API's shared bins
// (evaluation.scoreDistribution), as SVG bars, with the threshold as a vertical line. Each class is drawn
// as its share of its own windows, so that the few anomalous windows show beside the many healthy ones.
// The bins drawn are written to data-drawn-bins (JSON [{ from, to, healthy, anomalous }], counts), so
// that tests can check them against the API.
export interface ScoreDistribution {
  edges: number[];
  healthy: number[];
  anomalous: number[];
  logScale: boolean;
}

const WIDTH = 560;
const HEIGHT = 200;
const LEFT = 48;
const TOP = 10;
const BOTTOM = 40;
const TICK_ANCHORS = ['start', 'middle', 'end'] as const;
const HEALTHY_COLOR = '#0b5cad';
const ANOMALOUS_COLOR = '#b3261e';

function share(count: number, total: number): number {
  return total === 0 ? 0 : count / total;
}

export function ScoreDistributionChart({
  distribution,
  threshold,
  testId,
}: {
  distribution: ScoreDistribution;
  threshold: number;
  testId?: string;
}) {
  const { edges, healthy, anomalous, logScale } = distribution;
  const scale = (value: number) => (logScale ? Math.log(value) : value);
  const low = scale(edges[0]);
  const high = scale(edges[edges.length - 1]);
  const plotWidth = WIDTH - LEFT - 10;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const px = (value: number) => LEFT + (high === low ? 0.5 : (scale(value) - low) / (high - low)) * plotWidth;
  const totals = { healthy: healthy.reduce((a, b) => a + b, 0), anomalous: anomalous.reduce((a, b) => a + b, 0) };
  const tallest = Math.max(
    ...healthy.map((count) => share(count, totals.healthy)),
    ...anomalous.map((count) => share(count, totals.anomalous)),
    0.01,
  );
  const py = (value: number) => TOP + (1 - value / tallest) * plotHeight;
  const bins = healthy.map((count, k) => ({ from: edges[k], to: edges[k + 1], healthy: count, anomalous: anomalous[k] }));
  const above = (counts: number[]) => counts.reduce((sum, count, k) => (edges[k] >= threshold ? sum + count : sum), 0);
  const middle = logScale ? Math.sqrt(edges[0] * edges[edges.length - 1]) : (edges[0] + edges[edges.length - 1]) / 2;
  const label =
    `Score distribution of ${totals.healthy} healthy and ${totals.anomalous} anomalous test windows in ${bins.length} bins` +
    `${logScale ? ' (logarithmic scores)' : ''}, threshold ${threshold.toPrecision(4)}: ` +
    `${above(healthy)} healthy and ${above(anomalous)} anomalous windows in bins above it`;
  return (
    <figure className="curve" data-testid={testId} data-drawn-bins={JSON.stringify(bins)} data-threshold={threshold}>
      <svg width={WIDTH} height={HEIGHT} role="img" aria-label={label}>
        <rect x={LEFT} y={TOP} width={plotWidth} height={plotHeight} className="curve-frame" />
        {bins.map((bin, k) => {
          const left = px(bin.from);
          const width = Math.max(1, px(bin.to) - left - 1);
          return (
            <g key={k}>
              <rect
                x={left}
                y={py(share(bin.healthy, totals.healthy))}
                width={width}
                height={TOP + plotHeight - py(share(bin.healthy, totals.healthy))}
                fill={HEALTHY_COLOR}
                fillOpacity={0.45}
              />
              <rect
                x={left}
                y={py(share(bin.anomalous, totals.anomalous))}
                width={width}
                height={TOP + plotHeight - py(share(bin.anomalous, totals.anomalous))}
                fill={ANOMALOUS_COLOR}
                fillOpacity={0.45}
              />
            </g>
          );
        })}
        <line
          x1={px(threshold)}
          x2={px(threshold)}
          y1={TOP}
          y2={TOP + plotHeight}
          stroke="#1b1f24"
          strokeWidth={1.5}
          strokeDasharray="6 4"
        />
        <text x={px(threshold) + 4} y={TOP + 12} className="curve-tick">
          threshold {threshold.toPrecision(3)}
        </text>
        {[edges[0], middle, edges[edges.length - 1]].map((value, index) => (
          <text key={index} x={px(value)} y={TOP + plotHeight + 14} className="curve-tick" textAnchor={TICK_ANCHORS[index]}>
            {value.toPrecision(3)}
          </text>
        ))}
        <text x={LEFT - 4} y={TOP + 8} className="curve-tick" textAnchor="end">
          {(tallest * 100).toFixed(0)}%
        </text>
        <text x={LEFT - 4} y={TOP + plotHeight} className="curve-tick" textAnchor="end">
          0%
        </text>
        <text x={LEFT + plotWidth / 2} y={HEIGHT - 6} className="curve-label" textAnchor="middle">
          score{logScale ? ' (logarithmic)' : ''}
        </text>
      </svg>
      <figcaption>
        Share of each class&apos;s windows per score bin:
        <span className="legend">
          <span>
            <svg className="swatch" width={12} height={12} aria-hidden="true">
              <rect width={12} height={12} fill={HEALTHY_COLOR} fillOpacity={0.45} />
            </svg>
            healthy ({totals.healthy})
          </span>
          <span>
            <svg className="swatch" width={12} height={12} aria-hidden="true">
              <rect width={12} height={12} fill={ANOMALOUS_COLOR} fillOpacity={0.45} />
            </svg>
            anomalous ({totals.anomalous})
          </span>
          <span>dashed line: the threshold</span>
        </span>
      </figcaption>
    </figure>
  );
}

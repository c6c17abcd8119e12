// ROC or precision-recall curves on the unit square, as SVG (a few hundred points each), one per version,
// each with its version's operating point (its threshold) marked. The operating points drawn are also
// written to data-operating-points (JSON, in the order of the series), so that tests can check them.
export interface CurvePoint {
  x: number;
  y: number;
}

export interface CurveSeries {
  label: string;
  points: CurvePoint[];
  operatingPoint: CurvePoint | null;
}

/** One colour per compared version (at most four), each at least 4.5:1 against white. */
export const SERIES_COLORS = ['#0b5cad', '#b3261e', '#2e7d32', '#6a3d9a'];

/** A single curve's operating point stands out in the flag colour. */
const OPERATING_POINT_COLOR = '#b3261e';
const SIZE = 260;
const MARGIN = 36;

export function CurveChart({
  series,
  xLabel,
  yLabel,
  title,
  testId,
}: {
  series: CurveSeries[];
  xLabel: string;
  yLabel: string;
  title: string;
  testId?: string;
}) {
  const px = (value: number) => (MARGIN + value * SIZE).toFixed(1);
  const py = (value: number) => (MARGIN / 2 + (1 - value) * SIZE).toFixed(1);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const describe = (item: CurveSeries) =>
    `${series.length > 1 ? `${item.label}: ` : ''}${item.points.length} points${item.operatingPoint ? `, operating point at ${xLabel} ${item.operatingPoint.x.toFixed(3)}, ${yLabel} ${item.operatingPoint.y.toFixed(3)}` : ''}`;
  return (
    <figure className="curve" data-testid={testId} data-operating-points={JSON.stringify(series.map((item) => item.operatingPoint))}>
      <svg width={SIZE + MARGIN * 1.5} height={SIZE + MARGIN * 1.5} role="img" aria-label={`${title}: ${series.map(describe).join('; ')}`}>
        <rect x={MARGIN} y={MARGIN / 2} width={SIZE} height={SIZE} className="curve-frame" />
        {ticks.map((tick) => (
          <g key={tick}>
            <text x={px(tick)} y={SIZE + MARGIN / 2 + 14} className="curve-tick" textAnchor="middle">
              {tick}
            </text>
            <text x={MARGIN - 4} y={Number(py(tick)) + 4} className="curve-tick" textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {series.map((item, index) => (
          <polyline
            key={item.label}
            points={item.points.map((point) => `${px(point.x)},${py(point.y)}`).join(' ')}
            className="curve-line"
            stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
          />
        ))}
        {series.map(
          (item, index) =>
            item.operatingPoint && (
              <circle
                key={item.label}
                cx={px(item.operatingPoint.x)}
                cy={py(item.operatingPoint.y)}
                r={5}
                className="curve-operating-point"
                fill={series.length === 1 ? OPERATING_POINT_COLOR : SERIES_COLORS[index % SERIES_COLORS.length]}
              />
            ),
        )}
        <text x={MARGIN + SIZE / 2} y={SIZE + MARGIN * 1.4} className="curve-label" textAnchor="middle">
          {xLabel}
        </text>
      </svg>
      <figcaption>
        {title} ({yLabel} against {xLabel});{' '}
        {series.length > 1 ? "each dot is its version's threshold" : "the dot is the version's threshold"}.
        {series.length > 1 && (
          <span className="legend">
            {series.map((item, index) => (
              <span key={item.label}>
                <svg className="swatch" width={12} height={12} aria-hidden="true">
                  <rect width={12} height={12} fill={SERIES_COLORS[index % SERIES_COLORS.length]} />
                </svg>
                {item.label}
              </span>
            ))}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

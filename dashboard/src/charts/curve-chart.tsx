// A ROC or precision-recall curve on the unit square, as SVG (a few hundred points), with the version's
// operating point (its threshold) marked. The point is also written to data-operating-point.
export interface CurvePoint {
  x: number;
  y: number;
}

const SIZE = 260;
const MARGIN = 36;

export function CurveChart({
  points,
  operatingPoint,
  xLabel,
  yLabel,
  title,
  testId,
}: {
  points: CurvePoint[];
  operatingPoint: CurvePoint | null;
  xLabel: string;
  yLabel: string;
  title: string;
  testId?: string;
}) {
  const px = (value: number) => (MARGIN + value * SIZE).toFixed(1);
  const py = (value: number) => (MARGIN / 2 + (1 - value) * SIZE).toFixed(1);
  const path = points.map((point) => `${px(point.x)},${py(point.y)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <figure className="curve" data-testid={testId} data-operating-point={operatingPoint ? JSON.stringify(operatingPoint) : undefined}>
      <svg
        width={SIZE + MARGIN * 1.5}
        height={SIZE + MARGIN * 1.5}
        role="img"
        aria-label={`${title}: ${points.length} points${operatingPoint ? `, operating point at ${xLabel} ${operatingPoint.x.toFixed(3)}, ${yLabel} ${operatingPoint.y.toFixed(3)}` : ''}`}
      >
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
        <polyline points={path} className="curve-line" />
        {operatingPoint && <circle cx={px(operatingPoint.x)} cy={py(operatingPoint.y)} r={5} className="curve-operating-point" />}
        <text x={MARGIN + SIZE / 2} y={SIZE + MARGIN * 1.4} className="curve-label" textAnchor="middle">
          {xLabel}
        </text>
      </svg>
      <figcaption>
        {title} ({yLabel} against {xLabel}); the dot is the version&apos;s threshold.
      </figcaption>
    </figure>
  );
}

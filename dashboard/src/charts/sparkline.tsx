// A score along an engine's life in a table cell: an SVG polyline (twenty of them per fleet page cost
// less than twenty charts), with the threshold as a dashed line.
const WIDTH = 120;
const HEIGHT = 24;

export function Sparkline({ values, threshold, label }: { values: number[]; threshold: number; label: string }) {
  const low = Math.min(threshold, ...values);
  const high = Math.max(threshold, ...values);
  const span = high - low || 1;
  const y = (value: number) => (HEIGHT - 1 - ((value - low) / span) * (HEIGHT - 2)).toFixed(1);
  const x = (index: number) => ((index / (values.length - 1)) * WIDTH).toFixed(1);
  const points = values.map((value, index) => `${x(index)},${y(value)}`).join(' ');
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      <line x1={0} x2={WIDTH} y1={y(threshold)} y2={y(threshold)} className="sparkline-threshold" />
      <polyline points={points} className="sparkline-score" />
    </svg>
  );
}

// A dense series over cycles, drawn by uPlot on a canvas: lines, regions shaded beneath them (flagged
// windows) and an optional horizontal threshold. The regions actually drawn are written to the
// element's data-drawn-regions attribute (JSON [[start, end], ...] in cycles), so that tests can check
// what the operator sees against the API.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { Region } from './flagged-regions';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  dashed?: boolean;
}

export interface TimeSeriesChartProps {
  x: number[];
  series: ChartSeries[];
  regions?: Region[];
  /** Drawn as a dashed horizontal line labelled "threshold". */
  threshold?: number;
  xLabel?: string;
  yLabel?: string;
  height?: number;
  /** Charts with the same key move their cursors together. */
  syncKey?: string;
  /** Accessible name of the chart (the canvas says nothing to a screen reader). */
  label: string;
  testId?: string;
}

const WHOLE_NUMBER_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
const NO_REGIONS: Region[] = [];
const REGION_FILL = 'rgba(179, 38, 30, 0.16)';
const THRESHOLD_COLOR = '#b3261e';

function shadeRegions(regions: Region[], element: () => HTMLElement | null) {
  return (chart: uPlot) => {
    const { ctx, bbox } = chart;
    const drawn: Region[] = [];
    ctx.save();
    ctx.fillStyle = REGION_FILL;
    for (const [start, end] of regions) {
      // Half a cycle either side, so that a one-cycle region is visible.
      const left = Math.max(bbox.left, chart.valToPos(start - 0.5, 'x', true));
      const right = Math.min(bbox.left + bbox.width, chart.valToPos(end + 0.5, 'x', true));
      if (right <= left) continue;
      ctx.fillRect(left, bbox.top, right - left, bbox.height);
      drawn.push([start, end]);
    }
    ctx.restore();
    element()?.setAttribute('data-drawn-regions', JSON.stringify(drawn));
  };
}

export function TimeSeriesChart({
  x,
  series,
  regions = NO_REGIONS,
  threshold,
  xLabel = 'cycle',
  yLabel,
  height = 180,
  syncKey,
  label,
  testId,
}: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const all: ChartSeries[] =
      threshold === undefined
        ? series
        : [...series, { label: 'threshold', values: x.map(() => threshold), color: THRESHOLD_COLOR, dashed: true }];
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth || 800),
      height,
      scales: { x: { time: false } },
      // x is a cycle or an epoch: whole-number ticks only.
      axes: [
        { label: xLabel, incrs: WHOLE_NUMBER_STEPS },
        { label: yLabel, size: 60 },
      ],
      series: [
        { label: xLabel },
        ...all.map((item) => ({
          label: item.label,
          stroke: item.color,
          width: item.dashed ? 1 : 1.5,
          dash: item.dashed ? [6, 4] : undefined,
          points: { show: false },
        })),
      ],
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      hooks: { drawClear: [shadeRegions(regions, () => container.current)] },
    };
    const chart = new uPlot(options, [x, ...all.map((item) => item.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [x, series, regions, threshold, xLabel, yLabel, height, syncKey]);
  return <div ref={container} className="chart" role="figure" aria-label={label} data-testid={testId} />;
}

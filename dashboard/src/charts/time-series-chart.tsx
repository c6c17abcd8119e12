// A dense series over cycles, drawn by uPlot on a canvas: lines, regions shaded beneath them (flagged
// windows), an optional horizontal threshold, an optional second x axis computed from the first (RUL
// under the cycles) and a marked x the operator picked with a click. The regions actually drawn are
// written to the element's data-drawn-regions attribute (JSON [[start, end], ...] in cycles), and the
// second axis' ticks to data-second-axis (JSON [[x, label value], ...]), so that tests can check what
// the operator sees against the API.
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
  /** A second x axis under the first, its ticks derived from the x values (e.g. RUL from the cycle). */
  secondAxis?: { label: string; valueAt: (x: number) => number };
  /** An x value marked by a vertical line (the picked window). */
  marker?: number | null;
  /** Called with the x value under the cursor when the plot is clicked. */
  onPick?: (x: number) => void;
  /** Accessible name of the chart (the canvas says nothing to a screen reader). */
  label: string;
  testId?: string;
}

const WHOLE_NUMBER_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
const NO_REGIONS: Region[] = [];
const REGION_FILL = 'rgba(179, 38, 30, 0.16)';
const THRESHOLD_COLOR = '#b3261e';
const MARKER_COLOR = '#1f2328';
/** Pixels of the second x axis' ticks and label: added to the chart's height, not taken from the plot. */
const SECOND_AXIS_TICKS = 26;
const SECOND_AXIS_LABEL = 22;

function drawMarker(x: number) {
  return (chart: uPlot) => {
    const { ctx, bbox } = chart;
    const position = chart.valToPos(x, 'x', true);
    if (position < bbox.left || position > bbox.left + bbox.width) return;
    ctx.save();
    ctx.strokeStyle = MARKER_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(position, bbox.top);
    ctx.lineTo(position, bbox.top + bbox.height);
    ctx.stroke();
    ctx.restore();
  };
}

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
  secondAxis,
  marker = null,
  onPick,
  label,
  testId,
}: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  // The latest callback, without drawing the chart again when only its identity changes.
  const pick = useRef(onPick);
  pick.current = onPick;
  const pickable = onPick !== undefined;
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const fullHeight = height + (secondAxis ? SECOND_AXIS_TICKS + SECOND_AXIS_LABEL : 0);
    const all: ChartSeries[] =
      threshold === undefined
        ? series
        : [...series, { label: 'threshold', values: x.map(() => threshold), color: THRESHOLD_COLOR, dashed: true }];
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth || 800),
      height: fullHeight,
      scales: { x: { time: false } },
      // x is a cycle or an epoch: whole-number ticks only.
      axes: [
        { label: xLabel, incrs: WHOLE_NUMBER_STEPS },
        { label: yLabel, size: 60 },
        ...(secondAxis
          ? [
              {
                scale: 'x',
                side: 2,
                label: secondAxis.label,
                size: SECOND_AXIS_TICKS,
                labelSize: SECOND_AXIS_LABEL,
                incrs: WHOLE_NUMBER_STEPS,
                values: (_chart: uPlot, splits: number[]) => {
                  const ticks = splits.map((split) => [split, secondAxis.valueAt(split)]);
                  container.current?.setAttribute('data-second-axis', JSON.stringify(ticks));
                  return ticks.map(([, value]) => String(value));
                },
              } satisfies uPlot.Axis,
            ]
          : []),
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
      hooks: {
        drawClear: [shadeRegions(regions, () => container.current)],
        draw: marker === null ? [] : [drawMarker(marker)],
      },
    };
    const chart = new uPlot(options, [x, ...all.map((item) => item.values)] as uPlot.AlignedData, element);
    if (pickable) {
      chart.over.style.cursor = 'pointer';
      chart.over.addEventListener('click', () => {
        const index = chart.cursor.idx;
        if (index !== null && index !== undefined) pick.current?.(x[index]);
      });
    }
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: fullHeight }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [x, series, regions, threshold, xLabel, yLabel, height, syncKey, secondAxis, marker, pickable]);
  return <div ref={container} className="chart" role="figure" aria-label={label} data-testid={testId} />;
}

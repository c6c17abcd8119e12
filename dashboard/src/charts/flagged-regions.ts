// Flagged windows as spans of cycles to shade: a window ending at cycle e covers cycles
// e - windowLength + 1 .. e, and overlapping or touching windows merge into one region.
export type Region = [start: number, end: number];

export function flaggedRegions(flaggedEndCycles: readonly number[], windowLength: number): Region[] {
  const regions: Region[] = [];
  for (const end of [...flaggedEndCycles].sort((a, b) => a - b)) {
    const start = Math.max(1, end - windowLength + 1);
    const last = regions[regions.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else regions.push([start, end]);
  }
  return regions;
}

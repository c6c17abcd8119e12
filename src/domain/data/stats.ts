// Column statistics over rows of readings, computed the way numpy computes `a.mean(0)` and `a.std(0)`
// on a C-ordered 2-D array: a sequential sum down each column, divided by n, and the population
// variance as the mean of squared deviations from that mean (ddof = 0). Using the same order of
// operations keeps our z-scores identical to the PyTorch reference's, not merely close.

export interface ColumnStats {
  mean: number;
  /** Population standard deviation (divides by n, like numpy's default). */
  std: number;
}

/** Mean and population std of column `column` over `rows`. `rows` must not be empty. */
export function columnStats(rows: readonly (readonly number[])[], column: number): ColumnStats {
  const n = rows.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rows[i][column];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const deviation = rows[i][column] - mean;
    squares += deviation * deviation;
  }
  return { mean, std: Math.sqrt(squares / n) };
}

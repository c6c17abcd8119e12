import fc from 'fast-check';
import { EvaluationInputError } from './errors';
import { scoreHistogram } from './score-histogram';

describe('scoreHistogram', () => {
  it('bins positive scores on a logarithmic scale from the lowest score to the highest', () => {
    // Edges 0.01, 0.1, 1, 10 (three bins, each a factor of 10).
    const histogram = scoreHistogram([0, 0, 0, 1, 1], [0.01, 0.05, 0.5, 0.5, 10], 1, 3);
    expect(histogram.logScale).toBe(true);
    expect(histogram.edges.map((edge) => Number(edge.toPrecision(12)))).toEqual([0.01, 0.1, 1, 10]);
    expect(histogram.healthy).toEqual([2, 1, 0]);
    // The highest score falls in the last bin, whose upper edge it is.
    expect(histogram.anomalous).toEqual([0, 1, 1]);
  });

  it('bins linearly when a score is not positive, and stretches the range to the threshold', () => {
    const histogram = scoreHistogram([0, 1, 0], [-2, 1, 0], 2, 4);
    expect(histogram.logScale).toBe(false);
    expect(histogram.edges).toEqual([-2, -1, 0, 1, 2]);
    expect(histogram.healthy).toEqual([1, 0, 1, 0]);
    expect(histogram.anomalous).toEqual([0, 0, 0, 1]);
  });

  it('uses one bin when every score equals the threshold', () => {
    expect(scoreHistogram([0, 1], [3, 3], 3)).toEqual({ edges: [3, 3], healthy: [1], anomalous: [1], logScale: true });
  });

  it('counts every window once, in the bin whose edges hold its score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        (windows, threshold, bins) => {
          const labels = windows.map(([label]) => label);
          const scores = windows.map(([, score]) => score);
          const { edges, healthy, anomalous } = scoreHistogram(labels, scores, threshold, bins);
          for (let k = 1; k < edges.length; k++) expect(edges[k]).toBeGreaterThanOrEqual(edges[k - 1]);
          expect(edges[0]).toBe(Math.min(threshold, ...scores));
          expect(edges[edges.length - 1]).toBe(Math.max(threshold, ...scores));
          const expectedHealthy = new Array(healthy.length).fill(0);
          const expectedAnomalous = new Array(anomalous.length).fill(0);
          for (const [label, score] of windows) {
            let bin = 0;
            while (bin < edges.length - 2 && edges[bin + 1] <= score) bin++;
            (label === 1 ? expectedAnomalous : expectedHealthy)[bin]++;
          }
          expect(healthy).toEqual(expectedHealthy);
          expect(anomalous).toEqual(expectedAnomalous);
        },
      ),
    );
  });

  it('refuses no score, a non-finite threshold or a bad bin count', () => {
    expect(() => scoreHistogram([], [], 1)).toThrow(EvaluationInputError);
    expect(() => scoreHistogram([0], [1], Number.NaN)).toThrow(EvaluationInputError);
    expect(() => scoreHistogram([0], [1], 1, 0)).toThrow(EvaluationInputError);
    expect(() => scoreHistogram([2], [1], 1)).toThrow(EvaluationInputError);
  });
});

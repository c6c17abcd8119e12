// Ensembles of registered versions of any kinds, scored on the same windows (the members must share their
// preprocessing: sensors, window length, normalisation and regimes, which is what versions trained on the
// same data set, split and window length do).
//
// Rules:
//  - 'vote': a window is anomalous when at least `votes` of the n members flag it at their own thresholds.
//    The score is the number of votes plus the members' mean calibrated score squeezed into (0, 1), so that
//    windows with as many votes are still ranked; the threshold is `votes`, and score > votes exactly when
//    the window has at least `votes` votes.
//  - 'calibrated-mean': each member's score is put on a common scale, 0 at the median of its healthy
//    calibration windows and 1 at its own threshold, and the ensemble's score is the mean over the members;
//    its threshold is calibrated like any version's, at the thresholdQuantile of the healthy calibration
//    windows' ensemble scores.
// Contributions: the mean over the members of each member's share of its own contributions (summing to 1);
// directions: the mean of the members' directions, where they tell.
import { calibrateThreshold, quantile } from '../../domain/evaluation/threshold';
import {
  DetectorOptionError,
  type Detector,
  type DetectorKind,
  type DetectorRuntime,
  type LoadedVersion,
  type WindowBatch,
  type WindowScores,
} from '../detector';
import { resolveOptionValues } from '../options';

export type EnsembleRule = 'vote' | 'calibrated-mean';

export interface EnsembleOptions {
  members: number[];
  rule: EnsembleRule;
  /** For 'vote': flags needed (default: a majority of the members). */
  votes: number | null;
}

/** A member as the ensemble scores it: its own threshold, and its healthy calibration median. */
interface MemberScale {
  id: number;
  threshold: number;
  median: number;
}

interface Member extends MemberScale {
  detector: Detector;
}

function calibrated(score: number, member: MemberScale): number {
  const span = member.threshold - member.median;
  return span > 0 ? (score - member.median) / span : score - member.threshold + 1;
}

class EnsembleDetector implements Detector {
  constructor(
    private readonly members: readonly Member[],
    private readonly rule: EnsembleRule,
  ) {}

  async score(windows: WindowBatch): Promise<WindowScores> {
    const { count, features } = windows;
    const memberScores: WindowScores[] = [];
    for (const member of this.members) memberScores.push(await member.detector.score(windows));
    const n = this.members.length;
    const scores = new Float64Array(count);
    const raw = new Float64Array(count);
    const contributions = new Float32Array(count * features);
    const directionSums = new Float64Array(count * features);
    let directionCount = 0;
    memberScores.forEach((scored, m) => {
      const member = this.members[m];
      for (let w = 0; w < count; w++) {
        const value = calibrated(scored.scores[w], member);
        raw[w] += value / n;
        if (this.rule === 'vote' && scored.scores[w] > member.threshold) scores[w] += 1;
        let total = 0;
        for (let f = 0; f < features; f++) total += scored.contributions[w * features + f];
        for (let f = 0; f < features; f++) {
          contributions[w * features + f] += (total > 0 ? scored.contributions[w * features + f] / total : 1 / features) / n;
        }
      }
      if (scored.directions) {
        directionCount++;
        for (let i = 0; i < directionSums.length; i++) directionSums[i] += scored.directions[i];
      }
    });
    for (let w = 0; w < count; w++) {
      // raw is the mean calibrated score; for 'vote' it only orders windows with as many votes: squeezed into (0, 1).
      scores[w] = this.rule === 'vote' ? scores[w] + 1 / (1 + Math.exp(-raw[w])) : raw[w];
    }
    const directions = directionCount > 0 ? Float32Array.from(directionSums, (sum) => sum / directionCount) : null;
    return { scores, raw, contributions, directions };
  }
}

/** The members' versions; DetectorOptionError for one that does not exist, saying `why` it may be gone. */
async function loadMembers(ids: readonly number[], runtime: DetectorRuntime, why = ''): Promise<LoadedVersion[]> {
  if (!runtime.loadVersion) throw new Error('an ensemble needs a runtime that loads registered versions');
  const members: LoadedVersion[] = [];
  for (const id of ids) {
    try {
      members.push(await runtime.loadVersion(id));
    } catch (error) {
      if ((error as { code?: string }).code === 'NOT_FOUND')
        throw new DetectorOptionError(`member model version ${id} does not exist${why}`);
      throw error;
    }
  }
  return members;
}

export const ensembleKind: DetectorKind<EnsembleOptions> = {
  name: 'ensemble',
  description:
    'Two or more registered versions of any kinds scoring the same windows, combined by a vote (anomalous when at least ' +
    'k of n members flag the window) or by the mean of their calibrated scores. Its members must share sensors, window ' +
    'length, normalisation and regimes: train it on the data set, split and window length they were trained on.',
  contributions: "The mean over the members of each member's share of its own contributions (each member's shares sum to 1).",
  needsLabels: false,
  options: [
    { name: 'members', type: 'int-list', default: null, min: 1, description: 'Ids of the member model versions (2 to 10).' },
    {
      name: 'rule',
      type: 'string',
      default: 'vote',
      choices: ['vote', 'calibrated-mean'],
      description:
        'vote: anomalous when at least `votes` members flag the window at their own thresholds; calibrated-mean: the mean of the ' +
        "members' scores scaled 0 at their healthy calibration median and 1 at their threshold, thresholded at thresholdQuantile.",
    },
    { name: 'votes', type: 'int', default: null, min: 1, max: 10, description: 'For vote: flags needed (default: a majority).' },
  ],

  resolveOptions(input) {
    const values = resolveOptionValues(this.options, input) as Partial<EnsembleOptions>;
    const members = values.members ?? [];
    if (members.length < 2 || members.length > 10)
      throw new DetectorOptionError(`members must list 2 to 10 model versions, got ${members.length}`);
    if (new Set(members).size !== members.length) throw new DetectorOptionError('members lists a model version twice');
    const rule = values.rule ?? 'vote';
    const votes = rule === 'vote' ? (values.votes ?? Math.floor(members.length / 2) + 1) : null;
    if (rule !== 'vote' && values.votes != null) throw new DetectorOptionError('votes is an option of the vote rule');
    if (votes !== null && votes > members.length)
      throw new DetectorOptionError(`votes (${votes}) cannot exceed the ${members.length} members`);
    return { members, rule, votes };
  },

  referencedVersions(options) {
    return options.members;
  },

  async fit(data, options, context) {
    const started = performance.now();
    // Enqueue checked that they existed: one missing now was deleted since.
    const loaded = await loadMembers(options.members, context.runtime, ' any more: it was deleted after the job was queued');
    const mismatch = loaded.find((member) => member.preprocessing !== data.preprocessing);
    if (mismatch) {
      throw new DetectorOptionError(
        `member model version ${mismatch.id} was trained on other windows (sensors, window length, normalisation or regimes) ` +
          'than this data set, split and window length give: train the ensemble like its members',
      );
    }
    const members: Member[] = [];
    for (const member of loaded) {
      const healthy = await member.detector.score(data.calibration);
      members.push({ id: member.id, threshold: member.threshold, median: quantile(healthy.scores, 0.5), detector: member.detector });
    }
    const detector = new EnsembleDetector(members, options.rule);
    const threshold =
      options.rule === 'vote'
        ? options.votes!
        : calibrateThreshold((await detector.score(data.calibration)).scores, data.thresholdQuantile);
    if (context.signal.aborted) throw new Error('ensemble fit cancelled');
    await context.onProgress({
      step: 1,
      totalSteps: 1,
      loss: null,
      validationLoss: null,
      learningRate: null,
      elapsedMs: performance.now() - started,
    });
    const scales: MemberScale[] = members.map(({ id, threshold: memberThreshold, median }) => ({ id, threshold: memberThreshold, median }));
    return {
      detector,
      threshold,
      artifact: { json: { members: scales }, binary: null },
      scoring: { method: options.rule, definition: { kind: options.rule, votes: options.votes, members: scales } },
      summary: { backend: 'js', members: loaded.map((member) => ({ id: member.id, kind: member.kind })) },
    };
  },

  async load(stored, runtime) {
    const scales = stored.artifact.json.members as MemberScale[];
    const loaded = await loadMembers(
      scales.map((member) => member.id),
      runtime,
    );
    const members = scales.map((scale, index) => ({ ...scale, detector: loaded[index].detector }));
    return new EnsembleDetector(members, stored.options.rule);
  },
};

// Training: a form with the training options (the detector kind's options and defaults come from the
// API's detectorKinds, each with its explanation), starting a job, and a job's page: progress bar, loss
// curves as epochs arrive, time remaining, cancel, and the registered version once it succeeds.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, graphql } from '../api/graphql-client';
import { useQuery } from '../api/use-query';
import { NeedsRole, useViewer } from '../api/viewer';
import { href, navigate } from '../router';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { ErrorMessage } from './error-message';
import { gql } from '../api/gql';
import type { DetectorKindsQuery } from '../gql/graphql';

const JOB_POLL_MS = 1000;
const DEFAULT_KIND = 'lstm-autoencoder';

const KINDS_QUERY = gql(`query DetectorKinds {
  detectorKinds { name description trainModelField options { name type default description min max choices } }
  datasetsConnection(first: 100) { edges { node { name } } }
}`);

const TRAIN_MUTATION = gql(`mutation TrainModel($input: TrainModelInput!) { trainModel(input: $input) { id } }`);
const CANCEL_MUTATION = gql(`mutation CancelTrainingJob($id: Int!) { cancelTrainingJob(id: $id) { id status } }`);

const JOB_QUERY = gql(`query TrainingJob($id: Int!) {
  trainingJob(id: $id) {
    id status error totalEpochs cancelRequested modelVersionId
    progress { epochsCompleted totalEpochs elapsedMs estimatedRemainingMs }
    epochs { epoch loss validationLoss }
    modelVersion { id version name }
  }
}`);

type DetectorOption = DetectorKindsQuery['detectorKinds'][number]['options'][number];

/** Options every kind shares: the data and its split. Empty means the service's reference default. */
const COMMON_FIELDS = [
  { name: 'trainUnits', label: 'Training units', help: 'Units to learn healthy windows from, e.g. 1-70 (empty: 1-70).' },
  { name: 'calibrationUnits', label: 'Calibration units', help: 'Units the threshold is set on, e.g. 71-80 (empty: 71-80).' },
  { name: 'testUnits', label: 'Test units', help: 'Units the version is evaluated on, e.g. 81-100 (empty: 81-100).' },
] as const;

function initialValue(option: DetectorOption): string {
  if (option.default === null || option.default === undefined) return '';
  return Array.isArray(option.default) ? option.default.join(',') : String(option.default);
}

/** "1-70,75" as unit ranges; throws a message naming the field on anything else. */
export function parseUnitRanges(text: string, label: string): { from: number; to: number }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
      if (!match) throw new Error(`${label}: "${part}" is not a unit or a range such as 1-70`);
      return { from: Number(match[1]), to: Number(match[2] ?? match[1]) };
    });
}

function optionValue(option: DetectorOption, text: string): unknown {
  switch (option.type) {
    case 'int':
    case 'float': {
      const value = Number(text);
      if (!Number.isFinite(value)) throw new Error(`${option.name}: "${text}" is not a number`);
      return value;
    }
    case 'boolean':
      return text === 'true';
    case 'int-list':
      return text.split(',').map((part) => Number(part.trim()));
    default:
      return text;
  }
}

export function TrainingPage({ jobId }: { jobId: number | null }) {
  const viewer = useViewer();
  if (jobId !== null) return <TrainingJobView id={jobId} />;
  if (!viewer.known) return null;
  if (!viewer.can('OPERATOR')) {
    return (
      <main className="page">
        <h1>Train a version</h1>
        <NeedsRole role="OPERATOR" what="Training" />
      </main>
    );
  }
  return <TrainingForm />;
}

function TrainingForm() {
  const kinds = useQuery(KINDS_QUERY, {});
  // In name order (the connection is in creation order).
  const datasetNames = useMemo(() => (kinds.data?.datasetsConnection.edges ?? []).map((edge) => edge.node.name).sort(), [kinds.data]);
  const [kindName, setKindName] = useState(DEFAULT_KIND);
  const kind = kinds.data?.detectorKinds.find((item) => item.name === kindName);
  const [values, setValues] = useState<Record<string, string>>({});
  const [common, setCommon] = useState<Record<string, string>>({ name: '', dataset: '' });
  const [submission, setSubmission] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });
  const defaults = useMemo(() => Object.fromEntries((kind?.options ?? []).map((option) => [option.name, initialValue(option)])), [kind]);
  useEffect(() => setValues(defaults), [defaults]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!kind) return;
    setSubmission({ busy: true, error: null });
    try {
      const options: Record<string, unknown> = {};
      for (const option of kind.options) {
        const text = (values[option.name] ?? '').trim();
        if (text !== '') options[option.name] = optionValue(option, text);
      }
      const input: Record<string, unknown> = { kind: kind.name, [kind.trainModelField]: options };
      if (common.name.trim()) input.name = common.name.trim();
      if (common.dataset) input.dataset = common.dataset;
      for (const field of COMMON_FIELDS) {
        const ranges = parseUnitRanges(common[field.name] ?? '', field.label);
        if (ranges.length) input[field.name] = ranges;
      }
      const answer = await graphql(TRAIN_MUTATION, { input });
      navigate(`training/${answer.trainModel.id}`);
    } catch (error) {
      setSubmission({
        busy: false,
        error:
          error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 'BAD_USER_INPUT', 0),
      });
    }
  };

  return (
    <main className="page">
      <h1>Train a version</h1>
      <p className="lead">
        Every field is filled with its default; the job runs in the background and registers a version with its metrics.
      </p>
      <ErrorMessage error={kinds.error} />
      <form onSubmit={(event) => void submit(event)}>
        <div className="training-form">
          <label>
            Name
            <input
              id="field-name"
              value={common.name}
              onChange={(event) => setCommon({ ...common, name: event.target.value })}
              placeholder="optional"
            />
            <span className="option-help">A name to recognise the version by.</span>
          </label>
          <label>
            Data set
            <select value={common.dataset} onChange={(event) => setCommon({ ...common, dataset: event.target.value })}>
              <option value="">default (FD001)</option>
              {datasetNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <span className="option-help">The data set whose engines train and evaluate the version.</span>
          </label>
          {COMMON_FIELDS.map((field) => (
            <label key={field.name}>
              {field.label}
              <input
                id={`field-${field.name}`}
                value={common[field.name] ?? ''}
                onChange={(event) => setCommon({ ...common, [field.name]: event.target.value })}
                placeholder="reference split"
              />
              <span className="option-help">{field.help}</span>
            </label>
          ))}
          <label>
            Detector kind
            <select value={kindName} onChange={(event) => setKindName(event.target.value)}>
              {kinds.data?.detectorKinds.map((item) => (
                <option key={item.name} value={item.name}>
                  {item.name}
                </option>
              ))}
            </select>
            <span className="option-help">{kind?.description}</span>
          </label>
          {kind?.options.map((option) => (
            <label key={`${kind.name}-${option.name}`}>
              {option.name}
              {option.choices ? (
                <select
                  id={`option-${option.name}`}
                  value={values[option.name] ?? ''}
                  onChange={(event) => setValues({ ...values, [option.name]: event.target.value })}
                >
                  {option.choices.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </select>
              ) : option.type === 'boolean' ? (
                <select
                  id={`option-${option.name}`}
                  value={values[option.name] ?? ''}
                  onChange={(event) => setValues({ ...values, [option.name]: event.target.value })}
                >
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  id={`option-${option.name}`}
                  value={values[option.name] ?? ''}
                  inputMode={option.type === 'int' || option.type === 'float' ? 'decimal' : undefined}
                  placeholder={option.default === null ? 'decided by the kind' : undefined}
                  onChange={(event) => setValues({ ...values, [option.name]: event.target.value })}
                />
              )}
              <span className="option-help">
                {option.description}
                {option.min !== null || option.max !== null ? ` (${option.min ?? '…'} to ${option.max ?? '…'})` : ''}
              </span>
            </label>
          ))}
        </div>
        <ErrorMessage error={submission.error} />
        <button type="submit" disabled={!kind || submission.busy}>
          Start training
        </button>
      </form>
    </main>
  );
}

const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

function TrainingJobView({ id }: { id: number }) {
  const viewer = useViewer();
  const job = useQuery(JOB_QUERY, { id });
  const [cancelError, setCancelError] = useState<ApiError | null>(null);
  const current = job.data?.trainingJob;
  const finished = current ? FINISHED.includes(current.status) : false;
  const { reload } = job;
  useEffect(() => {
    if (!current || finished) return;
    const timer = setTimeout(reload, JOB_POLL_MS);
    return () => clearTimeout(timer);
  }, [current, finished, reload]);

  const epochs = useMemo(() => current?.epochs.map((epoch) => epoch.epoch) ?? [], [current]);
  const lossSeries = useMemo(
    () => [
      { label: 'training loss', values: current?.epochs.map((epoch) => epoch.loss) ?? [], color: '#0b5cad' },
      { label: 'validation loss', values: current?.epochs.map((epoch) => epoch.validationLoss) ?? [], color: '#bf8700' },
    ],
    [current],
  );

  const cancel = async () => {
    try {
      await graphql(CANCEL_MUTATION, { id });
      reload();
    } catch (error) {
      setCancelError(error instanceof ApiError ? error : new ApiError(String(error), null, 0));
    }
  };

  const progress = current?.progress;
  return (
    <main className="page">
      <p>
        <a href={href('training')}>← New training</a>
      </p>
      <h1>Training job {id}</h1>
      <ErrorMessage error={(current ? null : job.error) ?? cancelError} />
      {current && (
        <>
          <dl className="facts">
            <div>
              <dt>Status</dt>
              <dd data-testid="job-status">{current.status.toLowerCase()}</dd>
            </div>
            <div>
              <dt>Epochs</dt>
              <dd>
                {progress!.epochsCompleted} / {progress!.totalEpochs}
              </dd>
            </div>
            <div>
              <dt>Time remaining</dt>
              <dd>{progress!.estimatedRemainingMs === null ? '—' : `${Math.ceil(progress!.estimatedRemainingMs / 1000)} s`}</dd>
            </div>
          </dl>
          <label>
            Progress{' '}
            <progress className="progress" max={progress!.totalEpochs} value={progress!.epochsCompleted} data-testid="job-progress">
              {progress!.epochsCompleted} of {progress!.totalEpochs} epochs
            </progress>
          </label>
          {current.error && (
            <p className="error" role="alert">
              {current.error}
            </p>
          )}
          {!finished && viewer.can('OPERATOR') && (
            <p>
              <button type="button" disabled={current.cancelRequested} onClick={() => void cancel()}>
                {current.cancelRequested ? 'Cancelling…' : 'Cancel'}
              </button>
            </p>
          )}
          {current.modelVersion && (
            <p>
              Registered as{' '}
              <a href={href(`models/${current.modelVersion.id}`)} data-testid="registered-version">
                v{current.modelVersion.version}
                {current.modelVersion.name ? ` ${current.modelVersion.name}` : ''}
              </a>
              .
            </p>
          )}
          <h2>Loss per epoch</h2>
          {epochs.length > 0 ? (
            <TimeSeriesChart
              x={epochs}
              series={lossSeries}
              xLabel="epoch"
              yLabel="loss"
              height={220}
              label="Training and validation loss per epoch"
              testId="loss-chart"
            />
          ) : (
            <p className="status">No epoch finished yet.</p>
          )}
        </>
      )}
    </main>
  );
}

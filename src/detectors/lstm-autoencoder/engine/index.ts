// Public API of the model layer: what the service, CLI and benchmarks use.

export { selectBackend, activeBackendName, describeSelection } from './backend';
export type { BackendName, BackendSelection, BackendOptions } from './backend';
export {
  REFERENCE_ARCHITECTURE,
  createModel,
  parameterCount,
  parameterLayout,
  sameArchitecture,
  validateArchitecture,
  windowSize,
} from './architecture';
export type { AutoencoderArchitecture, AutoencoderModel, ParameterLayout } from './architecture';
export { initialiseModel } from './initialisation';
export type { InitialisationScheme } from './initialisation';
export type { LstmBiasParameterisation } from './bias-parameterisation';
export { buildLayersModel, toLayersModel } from './layers-model';
export { DEFAULT_TRAINING_CONFIG, DEFAULT_EARLY_STOPPING, resolveTrainingConfig, TrainingConfigError } from './training-config';
export type { TrainingConfig, TrainingConfigInput, EarlyStoppingConfig } from './training-config';
export { TrainingCancelledError } from './training-types';
export type { TrainingData, EpochProgress, TrainedAutoencoder, TrainingCallbacks, StopReason } from './training-types';
export { trainAutoencoder } from './parallel-training';
export type { ParallelTrainingOptions } from './parallel-training';
export { trainInProcess } from './in-process-training';
export { RECENT_RESIDUAL_STEPS, reconstructionErrors, releaseCachedWeights, releaseScoringBuffers } from './inference';
export { InferenceThread, InferenceThreadError, reconstructOnThisThread } from './inference-thread';
export type { Reconstruct, InferenceThreadOptions } from './inference-thread';
export type { ReconstructionErrors, ReconstructionOptions } from './inference';
export { serialiseModel, deserialiseModel, loadLayersModel, architectureFromTopology, ModelFormatError } from './serialisation';
export type { SerialisedAutoencoder, WeightSpec } from './serialisation';
export { resolveTrainingWorkerScript, TRAINING_WORKER_ENV, WorkerScriptNotFoundError } from './worker-script';

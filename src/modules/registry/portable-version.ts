// The portable file of a model version: one JSON document holding everything another deployment needs to
// score exactly as this one does. JSON rather than an archive: the parts are JSON already but for one
// binary part per version (base64 here), the service has no archive library to keep up, and any tool can
// read it. Layout (format version 1):
//
//   { "format": "engine-health/model-version", "formatVersion": 1,
//     "checksum": "sha256:<hex of JSON.stringify(content)>",
//     "content": { kind, options, sensors, columns, windowLength, normalisation, regimes, threshold,
//                  thresholdQuantile, scoringMethod, metrics, summary, backend, trainingMs, trainedOn,
//                  alertRule, artifact, source, exportedAt, exportedBy } }
//
// alertRule (the version's k-of-n alert rule) came later, optional: files without it read as before, and
// the version gets the rule every version had then.
//
// JSON.stringify prints every number with the digits that read back to the same double, so the content
// parsed and printed again is the same text: the checksum holds across the trip, and any edit breaks it.
// The artifact is the kind's { json, binary } (binary in base64), except for the LSTM autoencoder, whose
// artifact is a TensorFlow.js layers model: { format: "layers-model", modelTopology, weightSpecs,
// weightData (base64) }, which tf.loadLayersModel(tf.io.fromMemory({ ...artifact, weightData })) loads.
// An ensemble's file carries its members' contents in `members` (they are registered with it, first);
// its options, artifact and scoring method name them by their ids in the exporting deployment (source.id).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DetectorArtifact } from '../../detectors/detector';
import { assertAlertRuleSettings } from '../../domain/alerts/alert-rule';
import { AlertRuleInputError } from '../../domain/alerts/errors';

export const PORTABLE_FORMAT = 'engine-health/model-version';
export const PORTABLE_FORMAT_VERSION = 1;
/**
 * Largest file imported (held whole while it is checked): an autoencoder of the largest sizes (512 units,
 * 512 code, 100 sensors) holds 3.7 M weights, 19.6 MB in base64; the default one (64, 16, 14) 0.23 MB.
 */
export const MAX_PORTABLE_FILE_BYTES = 64 * 1024 * 1024;
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const jsonObject = z.record(z.string(), z.unknown());

const layersArtifact = z.object({
  format: z.literal('layers-model'),
  modelTopology: jsonObject,
  weightSpecs: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') })),
  weightData: z.base64(),
});
const kindArtifact = z.object({ json: jsonObject, binary: z.base64().nullable() });
const severityLevel = z.object({ excess: finite, windows: z.number().int() });
const alertRule = z
  .object({
    k: z.number().int(),
    n: z.number().int(),
    m: z.number().int(),
    serious: severityLevel,
    critical: severityLevel,
    drivingSensors: z.number().int(),
  })
  .superRefine((rule, context) => {
    try {
      assertAlertRuleSettings(rule);
    } catch (error) {
      if (!(error instanceof AlertRuleInputError)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
    }
  });

const content = z.object({
  kind: z.string().min(1),
  options: jsonObject,
  sensors: z.array(z.string().min(1)).min(1),
  /** Every sensor and setting column of the data set it was trained on: what named columns of a window may be. */
  columns: z.object({ sensors: z.array(z.string()), settings: z.array(z.string()) }),
  windowLength: z.number().int().min(1),
  normalisation: z.object({ mean: z.array(finite), std: z.array(finite) }),
  regimes: z
    .object({
      settings: z.array(z.string()).min(1),
      centre: z.array(finite),
      scale: z.array(finite),
      centroids: z.array(z.array(finite)).min(1),
      withinShare: finite,
      mean: z.array(z.array(finite)),
      std: z.array(z.array(finite)),
      rows: z.array(z.number().int()),
    })
    .nullable(),
  threshold: finite,
  thresholdQuantile: finite,
  scoringMethod: jsonObject,
  metrics: jsonObject.nullable(),
  summary: jsonObject,
  backend: z.string(),
  trainingMs: z.number().int().nonnegative(),
  trainedOn: z.object({ dataset: z.string().min(1) }).catchall(z.unknown()),
  alertRule: alertRule.optional(),
  artifact: z.union([layersArtifact, kindArtifact]),
  source: z.object({ id: z.number().int(), version: z.number().int(), name: z.string().nullable() }),
  exportedAt: z.iso.datetime(),
  exportedBy: z.object({ codeVersion: z.string() }),
  /** An ensemble's member versions, each a content of its own (read by contentOf). */
  members: z.array(z.unknown()).optional(),
});

export type PortableContent = Omit<z.infer<typeof content>, 'members'> & { members?: PortableContent[] };

const envelope = z.object({
  format: z.literal(PORTABLE_FORMAT),
  formatVersion: z.number().int(),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  content: z.unknown(),
});

/** A file that is not a portable version this service reads, saying why. */
export class PortableFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortableFormatError';
  }
}

function checksumOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex')}`;
}

/** The file's artifact section of a kind's stored artifact. */
export function portableArtifact(kind: string, artifact: DetectorArtifact): PortableContent['artifact'] {
  const binary = artifact.binary ? Buffer.from(artifact.binary.buffer, artifact.binary.byteOffset, artifact.binary.byteLength) : null;
  if (kind === 'lstm-autoencoder') {
    return {
      format: 'layers-model',
      modelTopology: artifact.json.topology as Record<string, unknown>,
      weightSpecs: artifact.json.weightSpecs as z.infer<typeof layersArtifact>['weightSpecs'],
      weightData: (binary ?? Buffer.alloc(0)).toString('base64'),
    };
  }
  return { json: artifact.json, binary: binary?.toString('base64') ?? null };
}

/** The kind's stored artifact of the file's artifact section. */
export function storedArtifact(artifact: PortableContent['artifact']): DetectorArtifact {
  if ('format' in artifact) {
    return {
      json: { topology: artifact.modelTopology, weightSpecs: artifact.weightSpecs },
      binary: new Uint8Array(Buffer.from(artifact.weightData, 'base64')),
    };
  }
  return { json: artifact.json, binary: artifact.binary === null ? null : new Uint8Array(Buffer.from(artifact.binary, 'base64')) };
}

/** The file's text, and its checksum. */
export function writePortable(value: PortableContent): { text: string; checksum: string } {
  const checksum = checksumOf(value);
  return { text: JSON.stringify({ format: PORTABLE_FORMAT, formatVersion: PORTABLE_FORMAT_VERSION, checksum, content: value }), checksum };
}

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`)
    .join('; ');
}

/** The content of a file and its checksum, checked: format, format version, checksum, then every field's shape. */
export function readPortable(text: string): { content: PortableContent; checksum: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PortableFormatError(`the file is not JSON: ${(error as Error).message}`);
  }
  const head = envelope.safeParse(parsed);
  if (!head.success) {
    throw new PortableFormatError(`the file is not a portable model version (${PORTABLE_FORMAT}): ${issuesOf(head.error)}`);
  }
  if (head.data.formatVersion !== PORTABLE_FORMAT_VERSION) {
    throw new PortableFormatError(
      `format version ${head.data.formatVersion} is not one this service reads (it reads ${PORTABLE_FORMAT_VERSION})`,
    );
  }
  if (checksumOf(head.data.content) !== head.data.checksum) {
    throw new PortableFormatError('the content does not match its checksum: the file was changed or damaged after export');
  }
  return { content: contentOf(head.data.content, 'content'), checksum: head.data.checksum };
}

function contentOf(value: unknown, path: string): PortableContent {
  const body = content.safeParse(value);
  if (!body.success) throw new PortableFormatError(`the file's ${path} is malformed: ${issuesOf(body.error)}`);
  const { members, ...version } = body.data;
  return members ? { ...version, members: members.map((member, index) => contentOf(member, `${path}.members.${index}`)) } : version;
}

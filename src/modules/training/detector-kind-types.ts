// The detector kinds as the schema shows them: `detectorKinds` lists each kind with its options, and
// trainModel's input takes each kind's options in a field of their own. Both are derived from the kinds'
// option specs (src/detectors), so a new kind needs no GraphQL code.
import { JSONResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import type { OptionSpec } from '../../detectors/detector';
import { DETECTOR_KINDS, type AnyDetectorKind } from '../../detectors/registry';

@ObjectType({ description: 'One option of a detector kind.' })
export class DetectorOption {
  @Field(() => String, { description: 'Field name in the kind options input of trainModel.' })
  name: string;

  @Field(() => String, { description: 'int, float, boolean, string or int-list.' })
  type: string;

  @Field(() => String, { description: 'What the option does.' })
  description: string;

  @Field(() => JSONResolver, { nullable: true, description: 'Value used when the option is not given; null when the kind decides.' })
  default: unknown;

  @Field(() => Float, { nullable: true, description: 'Smallest accepted value (numbers).' })
  min?: number;

  @Field(() => Float, { nullable: true, description: 'Largest accepted value (numbers).' })
  max?: number;

  @Field(() => [String], { nullable: true, description: 'Accepted values (strings).' })
  choices?: readonly string[];
}

@ObjectType({ description: 'A kind of detector the service can train.' })
export class DetectorKindInfo {
  @Field(() => String, { description: 'The kind, as trainModel(input: { kind }) takes it and every version records it.' })
  name: string;

  @Field(() => String, { description: 'How it detects.' })
  description: string;

  @Field(() => String, { description: 'What the per-sensor contributions of its scores mean.' })
  contributions: string;

  @Field(() => Boolean, { description: 'Whether it needs labelled run-to-failure engines to train.' })
  needsLabels: boolean;

  @Field(() => String, { description: "The field of TrainModelInput that takes this kind's options." })
  trainModelField: string;

  @Field(() => [DetectorOption], { description: 'Its options, with defaults and ranges.' })
  options: readonly OptionSpec[];
}

/** 'lstm-autoencoder' -> 'lstmAutoencoder'. */
export function optionsFieldOf(kind: Pick<AnyDetectorKind, 'name'>): string {
  return kind.name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function typeNameOf(kind: AnyDetectorKind): string {
  const field = optionsFieldOf(kind);
  return `${field[0].toUpperCase()}${field.slice(1)}OptionsInput`;
}

function graphqlTypeOf(spec: OptionSpec) {
  switch (spec.type) {
    case 'int':
      return Int;
    case 'float':
      return Float;
    case 'boolean':
      return Boolean;
    case 'string':
      return String;
    case 'int-list':
      return [Int];
  }
}

function describe(spec: OptionSpec): string {
  const bounds = [
    spec.default !== null ? `default ${JSON.stringify(spec.default)}` : null,
    spec.min !== undefined ? `min ${spec.min}` : null,
    spec.max !== undefined ? `max ${spec.max}` : null,
    spec.choices ? `one of ${spec.choices.join(', ')}` : null,
  ].filter(Boolean);
  return bounds.length > 0 ? `${spec.description} (${bounds.join('; ')})` : spec.description;
}

/** An input type with one nullable field per option of `kind`. */
function optionsInputOf(kind: AnyDetectorKind): Function {
  const name = typeNameOf(kind);
  const optionsInput = { [name]: class {} }[name];
  for (const spec of kind.options) {
    const type = graphqlTypeOf(spec);
    Field(() => type, { nullable: true, description: describe(spec) })(optionsInput.prototype, spec.name);
  }
  InputType(name, { description: `Options of the ${kind.name} detector kind; every field is optional.` })(optionsInput);
  return optionsInput;
}

/** Adds one field per kind to `target` (trainModel's input class): `lstmAutoencoder: LstmAutoencoderOptionsInput`... */
export function addKindOptionFields(target: Function): void {
  for (const kind of DETECTOR_KINDS) {
    const input = optionsInputOf(kind);
    Field(() => input, { nullable: true, description: `Options when kind is ${kind.name}.` })(target.prototype, optionsFieldOf(kind));
  }
}

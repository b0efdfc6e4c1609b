// fast-check arbitraries for the JSON schemas of an OpenAPI 3.0 document: the subset Paybridge's document uses
// (objects, records, arrays, strings with pattern/format/enum/length, bounded integers, numbers, booleans,
// anyOf/oneOf, nullable, and the empty schema for any JSON value).
import fc from 'fast-check';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** OpenAPI 3.0: a boolean that makes `minimum` exclusive. */
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** Real values (ids of seeded resources) to use, most of the time, for properties and parameters of a name. */
export type Hints = Record<string, readonly unknown[]>;

const LONGEST_STRING = 24;
const LARGEST_COLLECTION = 3;
const LONGEST_AT_LIMIT = 10_000;

/** A value of the schema, preferring the hinted values for a property called `name`. */
export function arbitraryOf(schema: JsonSchema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  // The hints for an array's name are for its items (`accountIDs`: account ids).
  if (schema.type === 'array') return nullable(schema, arrayOf(schema, hints, name));
  const hinted = name === undefined ? undefined : hints[name];
  const generated = nullable(schema, shapeOf(schema, hints));
  if (hinted === undefined || hinted.length === 0) return generated;
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: generated });
}

function nullable(schema: JsonSchema, arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return schema.nullable ? fc.option(arbitrary, { nil: null, freq: 5 }) : arbitrary;
}

function shapeOf(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((choice) => arbitraryOf(choice, hints)));
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return integerOf(schema);
    case 'number':
      return fc.double({
        noNaN: true,
        noDefaultInfinity: true,
        ...(schema.minimum === undefined ? {} : { min: schema.minimum }),
        ...(schema.maximum === undefined ? {} : { max: schema.maximum }),
      });
    case 'boolean':
      return fc.boolean();
    case 'object':
      return objectOf(schema, hints);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function arrayOf(schema: JsonSchema, hints: Hints, name: string | undefined): fc.Arbitrary<unknown[]> {
  const minLength = schema.minItems ?? 0;
  return fc.array(arbitraryOf(schema.items ?? {}, hints, name), {
    minLength,
    maxLength: Math.max(minLength, Math.min(schema.maxItems ?? LARGEST_COLLECTION, LARGEST_COLLECTION)),
  });
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
  }
  if (schema.format === 'uuid') return fc.uuid();
  const minLength = schema.minLength ?? 0;
  if (schema.pattern) {
    // A character class repeated (`^[A-Za-z0-9]+$`) takes the length bounds into the pattern itself, so no
    // generated value is thrown away; other patterns decide their own length (a UUID is 36 characters).
    const repeated = /^\^(\[[^\]]+\])\+\$$/.exec(schema.pattern);
    const pattern = repeated
      ? `^${repeated[1] ?? ''}{${Math.max(minLength, 1)},${schema.maxLength ?? Math.max(minLength, LONGEST_STRING)}}$`
      : schema.pattern;
    return fc.stringMatching(new RegExp(pattern));
  }
  const maxLength = Math.min(schema.maxLength ?? LONGEST_STRING, Math.max(minLength, LONGEST_STRING));
  const choices = [
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: WIDE_CHARACTER, minLength, maxLength }) },
  ];
  // Now and then as long as allowed, in text that takes three bytes a character and hardly compresses.
  const longest = schema.maxLength;
  if (longest !== undefined && longest <= LONGEST_AT_LIMIT) {
    choices.push({
      weight: 1,
      arbitrary: fc.string({ unit: WIDE_CHARACTER, minLength: longest, maxLength: longest }),
    });
  }
  return fc.oneof(...choices);
}

/** One UTF-16 unit outside ASCII and outside the surrogates: zod counts it as one character. */
const WIDE_CHARACTER = fc.integer({ min: 0xa0, max: 0xd7ff }).map((code) => String.fromCharCode(code));

/** Integers within the bounds; beyond 2^53 (amounts go to 10^38) as bigints, written exactly by the JSON writer. */
function integerOf(schema: JsonSchema): fc.Arbitrary<number | bigint> {
  const bound = (value: number | undefined, exclusive: boolean | undefined, step: bigint) =>
    value === undefined ? undefined : BigInt(value) + (exclusive ? step : 0n);
  const min = bound(schema.minimum, schema.exclusiveMinimum, 1n) ?? -(2n ** 63n);
  const max = bound(schema.maximum, schema.exclusiveMaximum, -1n) ?? 2n ** 63n;
  const small = fc
    .integer({ min: -1000, max: 1000 })
    .filter((value) => BigInt(value) >= min && BigInt(value) <= max);
  return fc.oneof(
    { weight: 3, arbitrary: small },
    { weight: 1, arbitrary: fc.bigInt({ min, max }).map(exactInteger) },
  );
}

function exactInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function objectOf(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const properties = schema.properties;
  if (properties && Object.keys(properties).length > 0) {
    const shape = Object.fromEntries(
      Object.entries(properties).map(([key, property]) => [key, arbitraryOf(property, hints, key)]),
    );
    return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((key) => key in shape) });
  }
  if (schema.additionalProperties === false) return fc.constant({});
  const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
  return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), arbitraryOf(values, hints), {
    maxKeys: LARGEST_COLLECTION,
  });
}

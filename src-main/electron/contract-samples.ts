/**
 * Test helper: a valid input for any contract method, found by generating candidates
 * from the method's input schema (as JSON Schema) with fast-check and keeping the first
 * one the real zod schema accepts. Lets the IPC test cover every method, including
 * methods added after it was written. Only tests import this file.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { contract, type MethodName } from '../../src-shared/contract/index';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Hand-written inputs for methods the generator cannot satisfy (add here if ever needed). */
export const SAMPLE_OVERRIDES: Partial<Record<MethodName, unknown>> = {
  // A period whose end is not before its start, which random day strings rarely give.
  'reports.kpi': { kpi: 'fill_rate_lines', filter: { from: '2026-01-01', to: '2026-01-31' }, groupBy: 'none' },
  'reports.kpis': { kpis: ['fill_rate_lines', 'otif'], filter: { from: '2026-01-01', to: '2026-01-31' } },
  'reports.drill': { kpi: 'fill_rate_lines', filter: { from: '2026-01-01', to: '2026-01-31' } },
  'reports.returns.breakdown': { filter: { from: '2026-01-01', to: '2026-01-31' }, groupBy: 'product' },
  'reports.export': { kpi: 'fill_rate_lines', filter: { from: '2026-01-01', to: '2026-01-31' }, format: 'xlsx' },
  // Inputs whose rule joins two fields (one of two ids must be given).
  'service.rma.create': { orderId: '01890a5d-ac96-774b-bcce-b302099a8057', reason: 'Damaged in transit', lines: [{ orderLineId: '01890a5d-ac96-774b-bcce-b302099a8058', quantity: 1 }] },
  'sales.entry.line': { customerId: '01890a5d-ac96-774b-bcce-b302099a8057', code: 'DRL-100' },
  'purchasing.replenish.dismiss': { proposalId: '01890a5d-ac96-774b-bcce-b302099a8057', reason: 'Not needed' },
};

const letters = 'abcdefghijklmnopqrstuvwxyz';

function arbitraryFor(schema: JsonSchema, root: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    return target ? arbitraryFor(target, root) : fc.constant({});
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((s) => arbitraryFor(s, root)));
  if (schema.allOf?.[0]) return arbitraryFor(schema.allOf[0], root);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of schema.required ?? []) {
        const prop = schema.properties?.[key];
        if (prop) shape[key] = arbitraryFor(prop, root);
      }
      return fc.record(shape);
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(schema.items ? arbitraryFor(schema.items, root) : fc.constant(null), {
        minLength,
        maxLength: Math.min(schema.maxItems ?? minLength + 2, minLength + 2),
      });
    }
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
    case 'number': {
      let min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      let max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
      // Small, readable numbers when the range allows.
      min = Math.max(min, Math.min(-1000, max));
      max = Math.min(max, Math.max(1000, min));
      // A fractional range (a service level between 0.5 and 0.9999) holds no integer.
      if (Math.ceil(min) > Math.floor(max)) return fc.double({ min, max, noNaN: true });
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.constant(null);
  }
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, 12);
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength && s.trim() === s;
  if (schema.format === 'uuid') return fc.uuid({ version: 7 });
  if (schema.format === 'email') return fc.constant('someone@example.com');
  if (schema.format === 'date-time') return fc.constant('2026-01-31T12:00:00.000Z');
  if (schema.format === 'date') return fc.constant('2026-01-31');
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  const length = Math.max(minLength, Math.min(maxLength, 8));
  return fc.string({ unit: fc.constantFrom(...letters), minLength: length, maxLength: length });
}

/** A valid input for the method, or undefined if none was found. */
export function sampleInput(method: MethodName, seed = 7): unknown {
  if (method in SAMPLE_OVERRIDES) return SAMPLE_OVERRIDES[method];
  const schema = contract[method].input as z.ZodType;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const candidates = fc.sample(arbitraryFor(json, json), { numRuns: 300, seed });
  return candidates.find((candidate) => schema.safeParse(candidate).success);
}

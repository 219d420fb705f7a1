import type { z } from 'zod';
import { RpcError } from '../rpc/errors';

/** Renames contract paths to form field paths where they differ (e.g. listPriceMinor → listPrice). */
export type PathMap = Record<string, string>;

/**
 * Runs a shared contract schema over the input a form would send and returns Mantine form
 * errors keyed by form path: the messages are the schema's own, so the form and the engine
 * always say the same thing.
 */
export function schemaErrors(schema: z.ZodType, input: unknown, pathMap: PathMap = {}): Record<string, string> {
  const result = schema.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const contractPath = issue.path.map(String).join('.');
    const path = pathMap[contractPath] ?? contractPath;
    if (path && !(path in errors)) errors[path] = issue.message;
  }
  return errors;
}

interface SettableForm {
  setFieldError(path: string, error: string): void;
}

/**
 * Puts an engine refusal on the fields it names (duplicate SKU → the SKU field).
 * Returns the message that belongs to no field (for an alert above the form), or null.
 */
export function applyServerError(form: SettableForm, error: unknown, knownPaths: readonly string[], pathMap: PathMap = {}): string | null {
  if (!(error instanceof RpcError)) return error instanceof Error ? error.message : String(error);
  let placed = 0;
  for (const f of error.fields) {
    const path = pathMap[f.path] ?? f.path;
    if (knownPaths.includes(path)) {
      form.setFieldError(path, f.message);
      placed++;
    }
  }
  return placed > 0 && placed === error.fields.length ? null : error.message;
}

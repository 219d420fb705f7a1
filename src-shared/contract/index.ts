import type { z } from 'zod';
import { catalogContract } from './catalog';
import { documentsContract } from './documents';
import { inventoryContract } from './inventory';
import { partnersContract } from './partners';
import { pricingContract } from './pricing';
import { salesContract } from './sales';
import { financeContract } from './finance';
import { importsContract } from './imports';
import { notificationsContract } from './notifications';
import { reportsContract } from './reports';
import { purchasingContract } from './purchasing';
import { serviceContract } from './service';
import { salesEntryContract } from './sales-entry';
import { dropshipContract } from './dropship';
import { syncContract } from './sync';
import type { MethodSpec } from './method';
import { systemContract } from './system';
import { updatesContract } from './updates';

/**
 * The one contract between renderer and engine: every method with its input and
 * output schema and the access it needs. Transports accept only these names.
 */
export const contract = {
  ...systemContract,
  ...catalogContract,
  ...inventoryContract,
  ...syncContract,
  ...documentsContract,
  ...partnersContract,
  ...pricingContract,
  ...salesContract,
  ...financeContract,
  ...importsContract,
  ...notificationsContract,
  ...reportsContract,
  ...purchasingContract,
  ...serviceContract,
  ...updatesContract,
  ...salesEntryContract,
  ...dropshipContract,
} as const satisfies Record<string, MethodSpec>;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
/** What a caller may send (defaults not yet applied). */
export type InputOf<M extends MethodName> = z.input<Contract[M]['input']>;
/** What a handler receives (defaults applied, transforms run). */
export type ParsedInputOf<M extends MethodName> = z.output<Contract[M]['input']>;
export type OutputOf<M extends MethodName> = z.output<Contract[M]['output']>;

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

export * from './common';
export * from './catalog';
export * from './inventory';
export * from './partners';
export * from './pricing';
export * from './sales';
export * from './imports';
export * from './notifications';
export * from './service';
export * from './sales-entry';
export * from './sync';
export * from './system';
export * from './updates';
export type { MethodSpec, Access } from './method';
export * from './dropship';

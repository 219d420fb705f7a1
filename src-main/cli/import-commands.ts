/** `branchline import orders|edi FILE`: an order file through the engine's import, with its report. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImportReport } from '../../src-shared/contract/imports';
import { MAX_IMPORT_BYTES } from '../../src-shared/contract/imports';
import type { InputOf } from '../../src-shared/contract/index';
import { CHANNEL_CODES } from '../../src-shared/contract/pricing';
import { runImport } from '../../src-shared/import-driver';
import { DomainError } from '../engine/platform/errors';
import { actingUserId, withEngine } from './commands';
import { CliError } from './common';

export interface ImportOptions {
  kind: 'orders' | 'edi';
  file: string;
  channel?: string;
  user?: string;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export async function importFile(dbFile: string, o: ImportOptions): Promise<ImportReport> {
  let size: number;
  try {
    size = statSync(o.file).size;
  } catch {
    throw new CliError(`Cannot read ${o.file}: no such file`, 2);
  }
  // Refused before it is read: nothing is staged, nothing half-imported.
  if (size > MAX_IMPORT_BYTES) throw new CliError(`${o.file} is ${(size / 1024 / 1024).toFixed(1)} MB; imports take files up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files.`, 2);
  const channel = o.kind === 'edi' ? 'edi' : o.channel?.trim().toLowerCase();
  if (!channel || !(CHANNEL_CODES as readonly string[]).includes(channel)) throw new CliError(`Give --channel, one of ${CHANNEL_CODES.join(', ')}`, 2);
  const xlsx = /\.xlsx$/i.test(o.file);
  const data = readFileSync(o.file);
  const input: InputOf<'imports.stage'> = {
    kind: o.kind,
    channelCode: channel as (typeof CHANNEL_CODES)[number],
    fileName: basename(o.file),
    content: xlsx ? data.toString('base64') : data.toString(o.kind === 'edi' ? 'latin1' : 'utf8'),
    encoding: xlsx ? 'base64' : 'text',
  };
  return withEngine(dbFile, async (engine) => {
    const userId = await actingUserId(engine, dbFile, o.user);
    try {
      return await runImport((method, inp) => engine.run(method, inp as never, { userId }) as Promise<ImportReport>, input, {
        signal: o.signal,
        onProgress: (done, total) => o.progress?.(`import: ${done}/${total} orders`),
      });
    } catch (e) {
      if (e instanceof DomainError) throw new CliError(e.message, 1);
      throw e;
    }
  });
}

/** One line per order that needs a look (held, rejected), the counts first. */
export function describeImport(r: ImportReport): string {
  const c = r.batch.counts;
  if (r.duplicateOfBatchId) return `${r.batch.fileName} was imported before (${r.batch.createdAt.slice(0, 16).replace('T', ' ')}, by ${r.batch.createdBy ?? 'someone'}): nothing imported again. ${c.accepted} accepted, ${c.held} held, ${c.rejected} rejected then.`;
  const head = `${r.batch.fileName}: ${r.batch.total} order(s) — ${c.accepted} accepted, ${c.held} held, ${c.rejected} rejected, ${c.duplicate} duplicate${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`;
  const lines = [head];
  for (const o of r.orders) {
    if (o.status === 'accepted') lines.push(`  accepted  ${o.ref} → ${o.orderNumber}`);
    else if (o.status === 'duplicate') lines.push(`  duplicate ${o.ref}: ${o.message}`);
    else if (o.status === 'held') {
      lines.push(`  held      ${o.ref} (${o.holdKind?.replace('_', ' ')})${o.orderNumber ? ` ${o.orderNumber}` : ''}: ${o.message}`);
      for (const u of o.unmapped) lines.push(`            line ${u.lineNo}: unknown item ${u.sku} × ${u.quantity}${u.description ? ` (${u.description})` : ''}`);
    } else if (o.status === 'rejected') {
      lines.push(`  rejected  ${o.ref} (${o.source})`);
      for (const e of o.errors.slice(0, 10)) lines.push(`            ${e.location}: ${e.message}`);
    }
  }
  return lines.join('\n');
}

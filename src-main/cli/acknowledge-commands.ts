/** `branchline import ack FILE`: a vendor's X12 855 (purchase order acknowledgement) through the engine, as the PO page's file input does. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { OutputOf } from '../../src-shared/contract/index';
import { actingUserId, withEngine } from './commands';
import { CliError } from './common';

export type AcknowledgeResult = OutputOf<'purchasing.po.acknowledge'>;

/** The contract's limit for one acknowledgement file (purchasing.po.acknowledge). */
const MAX_ACK_BYTES = 5 * 1024 * 1024;

export async function acknowledgeFile(dbFile: string, o: { file: string; user?: string }): Promise<AcknowledgeResult> {
  let size: number;
  try {
    size = statSync(o.file).size;
  } catch {
    throw new CliError(`Cannot read ${o.file}: no such file`, 2);
  }
  // Refused before it is read: nothing is written.
  if (size > MAX_ACK_BYTES) throw new CliError(`${o.file} is ${(size / 1024 / 1024).toFixed(1)} MB; an acknowledgement file can be up to 5 MB`, 2);
  // X12 is ASCII; latin1 keeps any stray byte as one character (as `import edi` reads 850s).
  const content = readFileSync(o.file).toString('latin1');
  return withEngine(dbFile, async (engine) => {
    const userId = await actingUserId(engine, dbFile, o.user);
    const envelope = await engine.call('purchasing.po.acknowledge', { fileName: basename(o.file), content }, { userId });
    // The engine's refusal already names the segment or the order: printed as one line, nothing written.
    if (!envelope.ok) throw new CliError(`${basename(o.file)}: ${envelope.error.message}`);
    return envelope.value as AcknowledgeResult;
  });
}

/** The order, the counts, then one line per order line with what the vendor said. */
export function describeAcknowledgement(r: AcknowledgeResult): string {
  const a = r.acknowledgement;
  const backordered = a.lines.filter((l) => l.status === 'backordered').length;
  const head = `${r.orderNumber}: acknowledged by the vendor (855 ${a.controlNumber}, ${a.ackType}${a.vendorReference ? `, their reference ${a.vendorReference}` : ''}) — ${a.accepted} accepted, ${a.changed} changed, ${a.rejected} rejected${backordered ? `, ${backordered} backordered` : ''}`;
  const lines = [head];
  for (const l of a.lines) lines.push(`  line ${l.lineNo} ${l.sku}: ${l.status} (${l.ackCode})${l.difference ? ` — ${l.difference}` : ''}${l.shipDate ? `; ships ${l.shipDate}` : ''}`);
  return lines.join('\n');
}

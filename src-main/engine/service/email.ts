import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES } from '../../../src-shared/contract/service';
import { DomainError } from '../platform/errors';

/**
 * Incoming e-mail, parsed by mailparser (MIME, encodings, attachments are its job). What we
 * need: who sent it, to which address, a message id (to refuse the same mail twice), subject,
 * plain text and attachments. Anything that is not recognisably an e-mail is refused with
 * the reason; nothing is written.
 */

export interface ParsedEmail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  attachments: { fileName: string; contentType: string; bytes: Buffer }[];
}

const malformed = (why: string) => new DomainError('VALIDATION', `This e-mail cannot be read: ${why}`, { fields: [{ path: 'eml', message: why }] });

export async function parseEmail(eml: string): Promise<ParsedEmail> {
  // A header block must come first: "Name: value" lines, then a blank line before the body.
  const headerEnd = eml.search(/\r?\n\r?\n/);
  const head = headerEnd < 0 ? eml : eml.slice(0, headerEnd);
  if (!/^[!-9;-~]+:/.test(head)) throw malformed('it does not start with mail headers');
  let parsed;
  try {
    parsed = await simpleParser(eml, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
  } catch (e) {
    throw malformed(e instanceof Error ? e.message : 'the MIME structure is broken');
  }
  const fromAddr = parsed.from?.value?.[0]?.address?.toLowerCase();
  if (!fromAddr || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(fromAddr)) throw malformed('it has no valid sender (From:)');
  const toList = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()).filter((x): x is string => !!x));
  const text = (parsed.text ?? '').trim();
  const subject = (parsed.subject ?? '').trim();
  if (!text && !subject) throw malformed('it has neither a subject nor any text');
  const messageId = parsed.messageId?.trim() || `<sha256-${createHash('sha256').update(eml).digest('hex')}@branchline>`;
  return {
    messageId,
    from: fromAddr,
    to: toList,
    subject: subject || '(no subject)',
    text: text || subject,
    attachments: parsed.attachments.map((a) => ({ fileName: a.filename ?? 'attachment', contentType: a.contentType, bytes: a.content })),
  };
}

/** Splits e-mail attachments into the ones we keep and a sentence about the ones refused. */
export function acceptableAttachments(list: ParsedEmail['attachments']) {
  const kept: ParsedEmail['attachments'] = [];
  const refused: string[] = [];
  for (const a of list) {
    const type = a.contentType.toLowerCase();
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(type)) refused.push(`${a.fileName} (type ${type} not allowed)`);
    else if (a.bytes.length > MAX_ATTACHMENT_BYTES) refused.push(`${a.fileName} (larger than 5 MB)`);
    else kept.push(a);
  }
  return { kept, refused };
}

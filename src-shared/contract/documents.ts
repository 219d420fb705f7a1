import { z } from 'zod';
import { Id } from './common';
import { query } from './method';

/** A generated document, ready to save or open: the bytes travel as base64 inside the JSON envelope. */
export const GeneratedDocument = z.object({
  filename: z.string(),
  contentType: z.literal('application/pdf'),
  base64: z.string(),
});

export const documentsContract = {
  'documents.pickList': query({
    access: 'inventory.read',
    summary: 'The pick list of a wave as a printable PDF (locations in walking order, check boxes, page numbers)',
    input: z.object({ waveId: Id }).strict(),
    output: GeneratedDocument,
  }),
} as const;

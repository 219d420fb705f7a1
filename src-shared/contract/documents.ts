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
  'documents.invoice': query({
    access: 'sales.read',
    summary: 'An invoice as a printable PDF (bill-to, lines with tax, totals, due date)',
    input: z.object({ invoiceId: Id }).strict(),
    output: GeneratedDocument,
  }),
  'documents.orderConfirmation': query({
    access: 'sales.read',
    summary: 'An order confirmation (a quotation while draft) as a printable PDF',
    input: z.object({ orderId: Id }).strict(),
    output: GeneratedDocument,
  }),
  'documents.packingSlip': query({
    access: 'inventory.read',
    summary: 'The packing slip of a delivery as a printable PDF (ship-to, order, what is in the parcel)',
    input: z.object({ transferId: Id }).strict(),
    output: GeneratedDocument,
  }),
} as const;

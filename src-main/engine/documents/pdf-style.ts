/**
 * The fonts and colours every printed document uses (pick list, sales and purchasing documents),
 * so they read as one family. Standard PDF fonts: nothing to embed.
 */
export const FONT = 'Helvetica';
export const BOLD = 'Helvetica-Bold';
export const MONO = 'Courier';
export const INK = '#1f2328';
export const MUTED = '#5b6270';
export const RULE = '#c9ced6';
export const HEAD_BG = '#eef0f4';

export interface PdfOptions {
  /** Deflate the content streams (on for real documents; tests turn it off to read the text back). */
  compress?: boolean;
}

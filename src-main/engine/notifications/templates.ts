import type { NotificationKind } from '../../../src-shared/contract/notifications';
import { TEMPLATE_FIELDS } from '../../../src-shared/contract/notifications';
import { DomainError } from '../platform/errors';

/** The built-in texts, used until an admin edits a template. */
export const DEFAULT_TEMPLATES: Record<NotificationKind, { subject: string; body: string }> = {
  order_confirmation: {
    subject: 'Order {{orderNumber}} confirmed',
    body: 'Dear {{customerName}},\n\nthank you for your order {{customerPo}}. We confirmed it as {{orderNumber}} and plan to ship it by {{promisedDate}}.\n\n{{lines}}\n\nTotal: {{total}}\n\n{{companyName}}',
  },
  shipment: {
    subject: 'Order {{orderNumber}} has shipped',
    body: 'Dear {{customerName}},\n\nyour order {{orderNumber}} ({{customerPo}}) is on its way with {{carrier}}. Tracking number: {{trackingNumber}}.\n\n{{lines}}\n\n{{companyName}}',
  },
  delay: {
    subject: 'Order {{orderNumber}} is delayed',
    body: 'Dear {{customerName}},\n\nwe are sorry: order {{orderNumber}} ({{customerPo}}) was promised for {{promisedDate}} and has not shipped complete yet. We will let you know as soon as it ships.\n\n{{companyName}}',
  },
  return_authorised: {
    subject: 'Return {{returnNumber}} authorised for order {{orderNumber}}',
    body: 'Dear {{customerName}},\n\nyour return {{returnNumber}} for order {{orderNumber}} is authorised. Please put the return number on the parcel.\n\n{{companyName}}',
  },
  ticket_reply: {
    subject: 'Re: [{{ticketNumber}}] {{ticketSubject}}',
    body: '{{message}}\n\n{{companyName}}',
  },
};

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** Refuses placeholders no notification can fill (a typo would otherwise reach the customer). */
export function checkTemplate(text: string, path: string): void {
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(m[1]!)) {
      throw new DomainError('VALIDATION', `Unknown placeholder {{${m[1]}}}; use one of ${TEMPLATE_FIELDS.join(', ')}`, { fields: [{ path, message: `Unknown placeholder {{${m[1]}}}` }] });
    }
  }
}

/** Fills {{placeholders}}; an empty value becomes "—" so a sentence never reads broken. */
export function render(text: string, values: Partial<Record<(typeof TEMPLATE_FIELDS)[number], string | null>>): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name as keyof typeof values];
    return v === null || v === undefined || v === '' ? '—' : v;
  });
}

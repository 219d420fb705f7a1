import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RETURN_CATEGORIES } from '../../../src-shared/contract/service';
import { features, learn, predict, serialize, train } from './classifier';
import { demoTexts } from './demo';
import { parseEmail } from './email';
import { deadlines, resume, slaStatus } from './sla';
import { APPLY_ORDER, REPLICATED_TABLES } from '../sync/ownership';
import { checkAttachment, sniffType } from './tickets';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('SLA timers', () => {
  const policy = { id: 'p', customer_class: null, ticket_type: null, first_response_minutes: 60, resolution_minutes: 480, warn_percent: 75 };

  it('any sequence of waits keeps the resolution time exact and freezes the time left while waiting', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 8 }), (steps) => {
        const created = Date.parse('2026-03-01T08:00:00.000Z');
        let row = { ...deadlines(policy, iso(created)), first_responded_at: iso(created + MIN), paused_at: null as string | null, paused_ms: 0, created_at: iso(created), resolved_at: null };
        let clock = created + MIN;
        for (const [run, wait] of steps) {
          clock += run * MIN;
          row = { ...row, paused_at: iso(clock) };
          const left = slaStatus(row, iso(clock)).slaRemainingMs;
          clock += wait * MIN;
          expect(slaStatus(row, iso(clock)).slaRemainingMs).toBe(left);
          row = { ...row, ...resume(row, iso(clock)) } as typeof row;
          expect(slaStatus(row, iso(clock)).slaRemainingMs).toBe(left);
        }
        // Due = created + resolution time + every wait, to the millisecond.
        expect(Date.parse(row.resolution_due_at!) - created - row.paused_ms).toBe(480 * MIN);
        expect(Date.parse(row.resolution_warn_at!) - created - row.paused_ms).toBe(360 * MIN);
      }),
      { numRuns: 200 },
    );
  });

  it('warns in the last quarter of the first-response time, breaches after it; met once resolved in time', () => {
    const created = Date.parse('2026-03-01T08:00:00.000Z');
    const row = { ...deadlines(policy, iso(created)), first_responded_at: null, paused_at: null, paused_ms: 0, created_at: iso(created), resolved_at: null as string | null };
    expect(slaStatus(row, iso(created + 44 * MIN)).slaStatus).toBe('ok');
    expect(slaStatus(row, iso(created + 46 * MIN)).slaStatus).toBe('warning');
    expect(slaStatus(row, iso(created + 61 * MIN))).toEqual({ slaStatus: 'breached', slaRemainingMs: -MIN });
    const answered = { ...row, first_responded_at: iso(created + 30 * MIN) };
    expect(slaStatus(answered, iso(created + 61 * MIN)).slaStatus).toBe('ok');
    expect(slaStatus(answered, iso(created + 361 * MIN)).slaStatus).toBe('warning');
    expect(slaStatus({ ...answered, resolved_at: iso(created + 400 * MIN) }, iso(created + 900 * MIN))).toEqual({ slaStatus: 'met', slaRemainingMs: null });
    expect(slaStatus({ ...answered, resolved_at: iso(created + 500 * MIN) }, iso(created + 900 * MIN)).slaStatus).toBe('breached');
  });
});

describe('naive Bayes classifier', () => {
  it('features are words without stop words, plus bigrams', () => {
    expect(features('The box was CRUSHED, drill broken!')).toEqual(['box', 'crushed', 'drill', 'broken', 'box crushed', 'crushed drill', 'drill broken']);
  });

  it('is a table of counts: the order of training does not matter, and teaching one more text equals training on it', () => {
    const data = demoTexts(300, 4);
    fc.assert(
      fc.property(fc.shuffledSubarray(data, { minLength: data.length, maxLength: data.length }), (shuffled) => {
        expect(JSON.parse(serialize(train(shuffled)))).toEqual(JSON.parse(serialize(train(data))));
      }),
      { numRuns: 20 },
    );
    const model = train(data.slice(0, 299));
    learn(model, data[299]!.text, data[299]!.category);
    expect(serialize(model)).toBe(serialize(train(data)));
  });

  it('posteriors sum to one and rank the categories', () => {
    const model = train(demoTexts(2000, 8));
    const p = predict(model, 'the pallet arrived tipped over and the boxes were crushed');
    expect(p.category).toBe('damaged_in_transit');
    expect(p.scores.map((s) => s.category).sort()).toEqual([...RETURN_CATEGORIES].sort());
    expect(p.scores.reduce((s, x) => s + x.probability, 0)).toBeCloseTo(1, 10);
    for (let i = 1; i < p.scores.length; i++) expect(p.scores[i - 1]!.probability).toBeGreaterThanOrEqual(p.scores[i]!.probability);
    // A text of unknown words falls back to the priors (no category wins by a word it never saw).
    expect(predict(model, 'qwertzuiop asdfgh').scores[0]!.probability).toBeLessThan(0.3);
  });
});

describe('attachments and e-mail', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  it('knows files by their first bytes', () => {
    expect(sniffType(png)).toBe('image/png');
    expect(sniffType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffType(Buffer.from('plain words'))).toBe('text/plain');
    expect(sniffType(Buffer.from([0x4d, 0x5a, 0x90, 0x00]))).toBeNull();
    expect(() => checkAttachment('a.png', 'image/png', png)).not.toThrow();
    expect(() => checkAttachment('a.svg', 'image/svg+xml', Buffer.from('<svg/>'))).toThrow(/files of type image\/svg\+xml cannot be attached/);
  });

  it('parses a plain e-mail and refuses what is not one', async () => {
    const m = await parseEmail('From: Ann <ANN@Example.test>\r\nTo: a@b.test, c@d.test\r\nSubject: Broken\r\nMessage-ID: <1@x>\r\n\r\nIt broke.\r\n');
    expect(m).toMatchObject({ from: 'ann@example.test', to: ['a@b.test', 'c@d.test'], subject: 'Broken', text: 'It broke.', messageId: '<1@x>' });
    // No Message-ID: a stable one from the content (the same file is still recognised).
    const a = await parseEmail('From: a@b.test\r\nSubject: x\r\n\r\ny');
    const b = await parseEmail('From: a@b.test\r\nSubject: x\r\n\r\ny');
    expect(a.messageId).toBe(b.messageId);
    await expect(parseEmail('\r\n\r\nno headers')).rejects.toThrow(/does not start with mail headers/);
    await expect(parseEmail('From: nobody\r\nSubject: x\r\n\r\ny')).rejects.toThrow(/no valid sender/);
    await expect(parseEmail('From: a@b.test\r\n\r\n')).rejects.toThrow(/neither a subject nor any text/);
  });
});

describe('replication of the service tables', () => {
  it('every service table is replicated and applied after the tables it refers to (a table missing from APPLY_ORDER is silently not applied)', () => {
    const tables = ['service_team', 'sla_policy', 'assignment_rule', 'ticket', 'ticket_message', 'ticket_attachment', 'rma', 'rma_line', 'classifier_example'] as const;
    for (const t of tables) {
      expect(REPLICATED_TABLES).toHaveProperty(t);
      expect(APPLY_ORDER).toContain(t);
    }
    const at = (t: string) => APPLY_ORDER.indexOf(t as (typeof APPLY_ORDER)[number]);
    expect(at('partner')).toBeLessThan(at('ticket'));
    expect(at('ticket')).toBeLessThan(at('ticket_message'));
    expect(at('ticket')).toBeLessThan(at('ticket_attachment'));
    expect(at('sales_order')).toBeLessThan(at('rma'));
    expect(at('rma')).toBeLessThan(at('rma_line'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateAccountId, templateJournalId } from '../../../migrations/0011_finance';
import { newId } from '../platform/ids';
import { createTestDatabase, type TestDatabase } from '../testing/databases';
import { initCentral } from './central-init';

describe('central init', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(async () => t.dispose());

  it('creates schema, policies and functions, and can run again', async () => {
    if (t.database.dialect !== 'postgres') throw new Error('postgres only');
    const first = await initCentral(t.database);
    expect(first.migrated.length).toBeGreaterThan(0);
    const again = await initCentral(t.database);
    expect(again.migrated).toEqual([]);
  });

  describe('journal checks per statement on a centre', () => {
    const pool = () => (t.database.dialect === 'postgres' ? t.database.pool : null)!;
    const at = '2026-11-30T00:00:00.000Z';
    const stock = templateAccountId('1200');
    const grni = templateAccountId('2100');
    const entry = (id: string, date: string) => [id, 'B01', at, at, 1, templateJournalId('STK'), date, 'test', 'test'];
    const line = (entryId: string, no: number, date: string, account: string, debit: number, credit: number) => [newId(), 'B01', at, at, 1, entryId, no, date, account, debit, credit];
    /** Entries and lines written with one multi-row INSERT each, in one transaction (as a push writes them). */
    async function write(entries: unknown[][], lines: unknown[][]): Promise<void> {
      const c = await pool().connect();
      const values = (rows: unknown[][]) => rows.map((r, i) => `(${r.map((_, j) => `$${i * r.length + j + 1}`).join(', ')})`).join(', ');
      try {
        await c.query('BEGIN');
        if (lines.length) await c.query(`INSERT INTO journal_line (id, branch_id, created_at, updated_at, version, entry_id, line_no, date, account_id, debit_minor, credit_minor) VALUES ${values(lines)}`, lines.flat());
        if (entries.length) await c.query(`INSERT INTO journal_entry (id, branch_id, created_at, updated_at, version, journal_id, date, memo, source_kind) VALUES ${values(entries)}`, entries.flat());
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK');
        throw error;
      } finally {
        c.release();
      }
    }
    const balance = async (account: string, date: string) =>
      (await pool().query(`SELECT debit_minor::int AS d, credit_minor::int AS c FROM account_balance WHERE account_id = $1 AND date = $2 AND branch_id = 'B01'`, [account, date])).rows[0];

    it('balanced entries commit and their balances are summed per account and day', async () => {
      const [e1, e2] = [newId(), newId()];
      await write(
        [entry(e1, '2026-11-02'), entry(e2, '2026-11-02')],
        [line(e1, 1, '2026-11-02', stock, 500, 0), line(e1, 2, '2026-11-02', grni, 0, 500), line(e2, 1, '2026-11-02', stock, 120, 0), line(e2, 2, '2026-11-02', grni, 0, 120)],
      );
      expect(await balance(stock, '2026-11-02')).toEqual({ d: 620, c: 0 });
      expect(await balance(grni, '2026-11-02')).toEqual({ d: 0, c: 620 });
      const e3 = newId();
      await write([entry(e3, '2026-11-02')], [line(e3, 1, '2026-11-02', stock, 7, 0), line(e3, 2, '2026-11-02', grni, 0, 7)]);
      expect(await balance(stock, '2026-11-02')).toEqual({ d: 627, c: 0 });
      expect(Number((await pool().query('SELECT count(*) AS n FROM branchline_balance_check')).rows[0].n)).toBe(0);
    });

    it('refuses at commit an unbalanced entry, an entry with one line or none, and a line added to an existing entry', async () => {
      const [ok, bad] = [newId(), newId()];
      await expect(
        write([entry(ok, '2026-11-03'), entry(bad, '2026-11-03')], [line(ok, 1, '2026-11-03', stock, 5, 0), line(ok, 2, '2026-11-03', grni, 0, 5), line(bad, 1, '2026-11-03', stock, 5, 0), line(bad, 2, '2026-11-03', grni, 0, 4)]),
      ).rejects.toMatchObject({ code: '23514', message: expect.stringContaining(`journal entry ${bad} is not balanced`) });
      const lone = newId();
      await expect(write([entry(lone, '2026-11-03')], [line(lone, 1, '2026-11-03', stock, 5, 0)])).rejects.toMatchObject({ code: '23514' });
      await expect(write([entry(newId(), '2026-11-03')], [])).rejects.toMatchObject({ code: '23514' });
      await write([entry(ok, '2026-11-03')], [line(ok, 1, '2026-11-03', stock, 5, 0), line(ok, 2, '2026-11-03', grni, 0, 5)]);
      await expect(write([], [line(ok, 3, '2026-11-03', stock, 9, 0)])).rejects.toMatchObject({ code: '23514' });
      // Nothing of the refused transactions stayed.
      expect(await balance(stock, '2026-11-03')).toEqual({ d: 5, c: 0 });
      expect(Number((await pool().query(`SELECT count(*) AS n FROM journal_entry WHERE date = '2026-11-03'`)).rows[0].n)).toBe(1);
    });
  });
});

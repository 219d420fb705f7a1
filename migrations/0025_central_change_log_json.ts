import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';

/**
 * Centre only (a branch's change capture is its own SQLite table, unchanged).
 *
 * 1. The change log keeps each row image as `json` (its text), not `jsonb`. Every replicated
 *    row a push writes is logged with its image: building the binary jsonb form was a third of
 *    what logging a row cost, and nothing reads it as jsonb — a pull reads the images as text
 *    and parses them itself. (The table is rewritten once, here.)
 * 2. The lock-date trigger of finance's journal tables (migration 0011, guarded in 0022) in one
 *    definition, cheap for the rows it leaves alone: a plain plpgsql check of the company's lock
 *    date, run as the writer; only a row dated on or before it goes to the SECURITY DEFINER
 *    function that decides (the engine's own "already checked" flag, honoured for non-branch
 *    logins only) and moves it with its audit row and sync exception. A definer call with its
 *    search_path setting, and the role lookup, for every journal row a push writes was ~15 µs a
 *    row. (`central init` used to install a copy of this under another name; it now uses this.)
 */
export async function up(db: MigrationDb): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`ALTER TABLE change_log ALTER COLUMN row_json TYPE json USING row_json::json`.execute(db);

  await sql`CREATE OR REPLACE FUNCTION finance_move_locked_to(p_table text, p_id text, p_branch text, p_memo text, p_date text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE lock_date text; open_date text;
    BEGIN
      -- Any writer's trigger calls it; called directly it could write made-up audit rows.
      IF pg_trigger_depth() = 0 THEN RAISE EXCEPTION 'finance_move_locked_to is called by the lock-date trigger only' USING ERRCODE = '42501'; END IF;
      -- The engine's own postings were checked already (finance may post in a soft-locked period);
      -- a branch login setting the flag for its session is not believed.
      IF current_setting('branchline.finance_local', true) = 'on'
        AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'branchline_branch' AND pg_has_role(session_user, r.oid, 'MEMBER')) THEN RETURN NULL; END IF;
      SELECT GREATEST(COALESCE(soft_lock_date, ''), COALESCE(hard_lock_date, '')) INTO lock_date FROM company_lock LIMIT 1;
      IF lock_date IS NULL OR lock_date = '' OR p_date > lock_date THEN RETURN NULL; END IF;
      open_date := to_char(lock_date::date + 1, 'YYYY-MM-DD');
      IF p_table = 'journal_entry' THEN
        INSERT INTO audit_log (id, branch_id, at, user_id, username, method, mutation_id, summary, input)
        VALUES (gen_random_uuid()::text, p_branch, now(), NULL, 'centre', 'finance.entry.movedFromLockedPeriod', 0,
          format('Journal entry %s (%s) dated %s arrived in a locked period and was moved to %s', p_id, p_memo, p_date, open_date),
          jsonb_build_object('entryId', p_id, 'from', p_date, 'to', open_date)::text);
        INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
        VALUES (gen_random_uuid()::text, p_branch, now(), now(), 1, 'finance_locked_period', 'open',
          format('A posting dated %s (%s) reached the centre after the books were locked; it was moved to %s', p_date, p_memo, open_date),
          jsonb_build_object('entryId', p_id, 'from', p_date, 'to', open_date)::text, p_branch, p_id);
      END IF;
      RETURN open_date;
    END $$`.execute(db);
  // (Not SECURITY DEFINER any more: the lock date is read as the writer, schema-qualified.)
  await sql`CREATE OR REPLACE FUNCTION finance_move_locked() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE lock_date text; open_date text;
    BEGIN
      SELECT GREATEST(COALESCE(l.soft_lock_date, ''), COALESCE(l.hard_lock_date, '')) INTO lock_date FROM public.company_lock l LIMIT 1;
      IF lock_date IS NULL OR lock_date = '' OR NEW.date > lock_date THEN RETURN NEW; END IF;
      IF TG_TABLE_NAME = 'journal_entry' THEN
        open_date := public.finance_move_locked_to(TG_TABLE_NAME, NEW.id, NEW.branch_id, NEW.memo, NEW.date);
        IF open_date IS NOT NULL THEN NEW.moved_from_date := NEW.date; END IF;
      ELSE
        open_date := public.finance_move_locked_to(TG_TABLE_NAME, NEW.id, NEW.branch_id, NULL, NEW.date);
      END IF;
      IF open_date IS NOT NULL THEN NEW.date := open_date; END IF;
      RETURN NEW;
    END $$`.execute(db);
}

import { sql } from 'kysely';
import type { CentralDatabase } from '../platform/db';
import { migrateToLatest } from '../platform/migrate';
import { recomputeFunctionBody } from './derived';
import { REPLICATED_TABLE_NAMES, REPLICATED_TABLES } from './ownership';

/** The group role every branch login belongs to; policies name it. */
export const BRANCH_GROUP_ROLE = 'branchline_branch';

const DERIVED_TABLES = ['stock_level', 'product_valuation'];

/**
 * Creates or upgrades the central database: schema (migrations), the branch group role,
 * row-level security forced on every replicated table, and the few SECURITY DEFINER
 * functions a branch login may call. The branch is always taken from session_user.
 * Idempotent: safe to run again after an upgrade.
 */
export async function initCentral(central: CentralDatabase): Promise<{ migrated: string[] }> {
  const report = await migrateToLatest(central);
  const db = central.db;
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);
  await sql`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${sql.lit(BRANCH_GROUP_ROLE)}) THEN
      CREATE ROLE ${sql.raw(BRANCH_GROUP_ROLE)} NOLOGIN;
    END IF; END $$`.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);

  // Which branch is calling: from the login, never from an argument.
  await sql`CREATE OR REPLACE FUNCTION branchline_branch() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT branch_id FROM sync_client WHERE role_name = session_user AND retired = 0 LIMIT 1 $$`.execute(db);
  // The change log is written by triggers on behalf of any writer.
  await sql`ALTER FUNCTION branchline_log_change() SECURITY DEFINER`.execute(db);
  await sql`ALTER FUNCTION branchline_log_change() SET search_path = public`.execute(db);
  // On a centre the change log is written per statement, from its transition table, not per
  // row: a push writes each table's rows in one INSERT … SELECT, and a plpgsql call plus a
  // single-row INSERT for every row of it was most of what applying a row cost. Same rows,
  // same order within a transaction (statement by statement, rows in the order written).
  // INSERT, UPDATE and DELETE need a trigger each (a trigger with transition tables serves
  // one event). The row triggers the migrations install are replaced here (again after every
  // upgrade: a migration adding a replicated table re-creates them). The image is `json` (its
  // text: migration 0025), which is cheaper to build than jsonb, and the pull reads it as text.
  await sql`CREATE OR REPLACE FUNCTION branchline_log_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE priv boolean := TG_ARGV[0]::boolean;
    BEGIN
      -- (A statement that wrote nothing inserts nothing, so it wakes no branch with a NOTIFY.)
      IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
        INSERT INTO change_log (table_name, row_id, op, row_json, branch_id, private)
        SELECT TG_TABLE_NAME, o.id, 'delete', NULL, o.branch_id, priv FROM old_rows o;
      ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
      ELSE
        INSERT INTO change_log (table_name, row_id, op, row_json, branch_id, private)
        SELECT TG_TABLE_NAME, n.id, lower(TG_OP), to_json(n), n.branch_id, priv FROM new_rows n;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  for (const table of REPLICATED_TABLE_NAMES) {
    const exists = await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(db);
    if (!exists.rows[0]?.t) continue;
    const priv = 'private' in REPLICATED_TABLES[table] ? 'true' : 'false';
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_log_change`)} ON ${sql.table(table)}`.execute(db);
    for (const [op, ref] of [
      ['insert', 'NEW TABLE AS new_rows'],
      ['update', 'NEW TABLE AS new_rows'],
      ['delete', 'OLD TABLE AS old_rows'],
    ] as const) {
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_log_${op}`)} ON ${sql.table(table)}`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${table}_log_${op}`)} AFTER ${sql.raw(op.toUpperCase())} ON ${sql.table(table)}
        REFERENCING ${sql.raw(ref)} FOR EACH STATEMENT EXECUTE FUNCTION branchline_log_changes(${sql.lit(priv)})`.execute(db);
    }
  }
  await statementLevelFinanceTriggers(central);
  // Online branches are woken by NOTIFY after a transaction writes changes.
  await sql`CREATE OR REPLACE FUNCTION branchline_notify_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN PERFORM pg_notify('branchline_changes', ''); RETURN NULL; END $$`.execute(db);
  await sql`DROP TRIGGER IF EXISTS change_log_notify ON change_log`.execute(db);
  await sql`CREATE TRIGGER change_log_notify AFTER INSERT ON change_log FOR EACH STATEMENT EXECUTE FUNCTION branchline_notify_change()`.execute(db);

  for (const table of REPLICATED_TABLE_NAMES) {
    const spec = REPLICATED_TABLES[table];
    const priv = 'private' in spec && spec.private;
    await sql`ALTER TABLE ${sql.table(table)} ENABLE ROW LEVEL SECURITY`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} FORCE ROW LEVEL SECURITY`.execute(db);
    for (const p of ['bl_read', 'bl_insert', 'bl_update', 'bl_delete']) await sql`DROP POLICY IF EXISTS ${sql.raw(p)} ON ${sql.table(table)}`.execute(db);
    await sql`REVOKE ALL ON ${sql.table(table)} FROM ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
    const readRule = priv ? sql`branch_id = (SELECT branchline_branch())` : sql`true`;
    await sql`CREATE POLICY bl_read ON ${sql.table(table)} FOR SELECT TO ${sql.raw(BRANCH_GROUP_ROLE)} USING (${readRule})`.execute(db);
    await sql`GRANT SELECT ON ${sql.table(table)} TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
    if (spec.class === 'central') continue; // master data: no write policy, so branch logins cannot write it
    await sql`CREATE POLICY bl_insert ON ${sql.table(table)} FOR INSERT TO ${sql.raw(BRANCH_GROUP_ROLE)} WITH CHECK (branch_id = (SELECT branchline_branch()))`.execute(db);
    await sql`GRANT INSERT ON ${sql.table(table)} TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
    if (spec.class === 'ledger') continue; // append-only: no update, no delete
    await sql`CREATE POLICY bl_update ON ${sql.table(table)} FOR UPDATE TO ${sql.raw(BRANCH_GROUP_ROLE)} USING (branch_id = (SELECT branchline_branch())) WITH CHECK (branch_id = (SELECT branchline_branch()))`.execute(db);
    await sql`CREATE POLICY bl_delete ON ${sql.table(table)} FOR DELETE TO ${sql.raw(BRANCH_GROUP_ROLE)} USING (branch_id = (SELECT branchline_branch()))`.execute(db);
    await sql`GRANT UPDATE, DELETE ON ${sql.table(table)} TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
  }
  for (const table of DERIVED_TABLES) await sql`GRANT SELECT ON ${sql.table(table)} TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
  await sql`ALTER TABLE change_log ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`ALTER TABLE change_log FORCE ROW LEVEL SECURITY`.execute(db);
  await sql`DROP POLICY IF EXISTS bl_read ON change_log`.execute(db);
  await sql`CREATE POLICY bl_read ON change_log FOR SELECT TO ${sql.raw(BRANCH_GROUP_ROLE)} USING (NOT private OR branch_id = (SELECT branchline_branch()))`.execute(db);
  await sql`GRANT SELECT ON change_log TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);
  // Kysely's migration tables: a branch reads the schema version, nothing else.
  await sql`GRANT SELECT ON kysely_migration TO ${sql.raw(BRANCH_GROUP_ROLE)}`.execute(db);

  await sql.raw(`CREATE OR REPLACE FUNCTION branchline_recompute(jsonb, timestamptz) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $fn$
    ${recomputeFunctionBody()} $fn$`).execute(db);

  // Exactly-once gate: lock the client's row, check each mutation's signature, skip what was
  // applied (same hash), stop at a gap, quarantine a changed or unsigned payload.
  // The hash recorded for an applied mutation is its payload's HMAC under the client's secret —
  // the signature the gate computes anyway to check it (a second, plain SHA-256 of 9 MB of
  // payloads per 2,000-mutation batch was a third of the gate). Rows recorded before hold the
  // plain SHA-256: a payload sent again is compared with both.
  // (Set-based where it can be: the applied ids are written in one INSERT at the end and the
  // accepted list is an array — row-by-row inserts and jsonb appends made a 2,000-mutation
  // batch cost twice as much. The payloads come as arrays, hashed in the query the loop reads:
  // pulling each one out of a jsonb array was most of the gate's time.)
  await sql`CREATE OR REPLACE FUNCTION branchline_push_gate(p_client text, p_ids bigint[], p_payloads text[], p_signatures text[], p_versions text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE c sync_client; m record; v_prev text; v_version text := NULL; v_below boolean := false; v_all_new boolean;
      accepted bigint[] := '{}'; applied_ids bigint[] := '{}'; applied_hashes text[] := '{}';
      min_version text; stop text := NULL; stop_at bigint := NULL; quarantined integer := 0;
    BEGIN
      SELECT * INTO c FROM sync_client WHERE client_id = p_client FOR UPDATE;
      IF NOT FOUND OR c.role_name <> session_user OR c.retired = 1 THEN
        RAISE EXCEPTION 'client % is not registered for this login', p_client USING ERRCODE = '42501';
      END IF;
      IF cardinality(p_payloads) IS DISTINCT FROM cardinality(p_ids) OR cardinality(p_signatures) IS DISTINCT FROM cardinality(p_ids) THEN
        RAISE EXCEPTION 'push batch: % ids, % payloads, % signatures', cardinality(p_ids), cardinality(p_payloads), cardinality(p_signatures);
      END IF;
      SELECT value INTO min_version FROM sync_setting WHERE key = 'min_client_version';
      -- The usual batch: every mutation new, next in line, signed as sent, from a version the
      -- centre accepts — checked, recorded and accepted in one statement each, no loop.
      SELECT bool_and(u.id = c.last_mutation_id + u.k AND u.signature IS NOT DISTINCT FROM encode(hmac(u.payload, c.secret, 'sha256'), 'hex'))
        INTO v_all_new
        FROM unnest(p_ids, p_payloads, p_signatures) WITH ORDINALITY AS u(id, payload, signature, k);
      IF v_all_new AND (min_version IS NULL OR NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT v FROM unnest(p_versions) AS v) d
          WHERE string_to_array(regexp_replace(d.v, '[^0-9.]', '', 'g'), '.')::int[] < string_to_array(min_version, '.')::int[])) THEN
        INSERT INTO sync_applied (client_id, mutation_id, payload_hash, applied_at)
          SELECT p_client, u.id, u.mac, now() FROM unnest(p_ids, p_signatures) AS u(id, mac); -- (each is its payload's HMAC: checked above)
        c.last_mutation_id := p_ids[cardinality(p_ids)];
        UPDATE sync_client SET last_mutation_id = c.last_mutation_id, last_seen_at = now(),
          app_version = COALESCE(p_versions[cardinality(p_versions)], app_version) WHERE client_id = p_client;
        RETURN jsonb_build_object('accepted', to_jsonb(p_ids), 'stop', NULL, 'stopAt', NULL, 'lastMutationId', c.last_mutation_id, 'minVersion', min_version, 'quarantined', 0);
      END IF;
      FOR m IN SELECT u.id, u.payload, u.version, encode(hmac(u.payload, c.secret, 'sha256'), 'hex') AS mac, u.signature
               FROM unnest(p_ids, p_payloads, p_signatures, p_versions) AS u(id, payload, signature, version) LOOP
        -- (The version is compared again only when it changes: one per batch in practice.)
        IF min_version IS NOT NULL AND m.version IS DISTINCT FROM v_version THEN
          v_version := m.version;
          v_below := string_to_array(regexp_replace(v_version, '[^0-9.]', '', 'g'), '.')::int[] < string_to_array(min_version, '.')::int[];
        END IF;
        IF v_below THEN stop := 'version'; stop_at := m.id; EXIT; END IF;
        IF m.id <= c.last_mutation_id THEN
          -- Already applied: the same payload is skipped; a different one under that id is set aside.
          SELECT payload_hash INTO v_prev FROM sync_applied WHERE client_id = p_client AND mutation_id = m.id;
          IF NOT FOUND THEN v_prev := applied_hashes[array_position(applied_ids, m.id)]; END IF;
          IF v_prev IS DISTINCT FROM m.mac AND v_prev IS DISTINCT FROM encode(digest(m.payload, 'sha256'), 'hex') THEN
            INSERT INTO sync_quarantine (client_id, mutation_id, payload, reason, at) VALUES (p_client, m.id, m.payload, 'a different payload for a mutation id already applied', now());
            quarantined := quarantined + 1;
          END IF;
          CONTINUE;
        END IF;
        IF m.id <> c.last_mutation_id + 1 THEN stop := 'gap'; stop_at := m.id; EXIT; END IF;
        applied_ids := applied_ids || m.id;
        applied_hashes := applied_hashes || m.mac;
        c.last_mutation_id := m.id;
        IF m.signature IS DISTINCT FROM m.mac THEN
          -- Changed after it was signed: never applied; recorded, and the branch is told.
          INSERT INTO sync_quarantine (client_id, mutation_id, payload, reason, at) VALUES (p_client, m.id, m.payload, 'signature does not match the payload', now());
          INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
          VALUES (gen_random_uuid()::text, c.branch_id, now(), now(), 1, 'quarantine', 'open',
            format('Change %s from this branch was altered after it was recorded and was rejected', m.id),
            jsonb_build_object('clientId', p_client, 'mutationId', m.id)::text, c.branch_id, NULL);
          quarantined := quarantined + 1;
          CONTINUE;
        END IF;
        accepted := accepted || m.id;
      END LOOP;
      INSERT INTO sync_applied (client_id, mutation_id, payload_hash, applied_at)
        SELECT p_client, u.id, u.hash, now() FROM unnest(applied_ids, applied_hashes) AS u(id, hash);
      UPDATE sync_client SET last_mutation_id = c.last_mutation_id, last_seen_at = now(),
        app_version = COALESCE(p_versions[cardinality(p_versions)], app_version) WHERE client_id = p_client;
      RETURN jsonb_build_object('accepted', to_jsonb(accepted), 'stop', stop, 'stopAt', stop_at, 'lastMutationId', c.last_mutation_id, 'minVersion', min_version, 'quarantined', quarantined);
    END $$`.execute(db);
  // The gate as this version's push calls it: payloads in one text, separated by U+001E (which
  // JSON text escapes, so no payload the engine writes holds one; the push sends a batch that
  // does through the jsonb form below). One text is far cheaper to send and split than a jsonb
  // array of strings (9 MB per 2,000 mutations: ~110 ms to parse) or a text[] literal.
  await sql`CREATE OR REPLACE FUNCTION branchline_push_check_packed(p_client text, p_ids bigint[], p_payloads text, p_signatures text[], p_app_version text) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT branchline_push_gate(p_client, p_ids, CASE WHEN cardinality(p_ids) = 0 THEN '{}'::text[] ELSE string_to_array(p_payloads, E'\x1e') END,
      p_signatures, array_fill(p_app_version, ARRAY[cardinality(p_ids)])) $$`.execute(db);
  // The gate as earlier versions call it: [{ id, payload, signature, appVersion }].
  await sql`CREATE OR REPLACE FUNCTION branchline_push_check(p_client text, p_mutations jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT branchline_push_gate(p_client,
      ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(p_mutations) WITH ORDINALITY AS x(e, k) ORDER BY k),
      ARRAY(SELECT e->>'payload' FROM jsonb_array_elements(p_mutations) WITH ORDINALITY AS x(e, k) ORDER BY k),
      ARRAY(SELECT e->>'signature' FROM jsonb_array_elements(p_mutations) WITH ORDINALITY AS x(e, k) ORDER BY k),
      ARRAY(SELECT e->>'appVersion' FROM jsonb_array_elements(p_mutations) WITH ORDINALITY AS x(e, k) ORDER BY k)) $$`.execute(db);

  // The pull's horizon: the oldest transaction still running *in this database* (or the
  // snapshot's xmax). Transaction ids are server-wide, so pg_snapshot_xmin also waits for
  // transactions of other databases on the same server (another centre, tests, a long report),
  // which never write this change log: a pull then took nothing and retried (250 ms, 0.5 s,
  // 1 s, ...), the round trip's tail. A running xid is skipped only when pg_stat_activity
  // shows it belongs to a backend of another database; one it cannot place (committed
  // meanwhile, a prepared transaction) counts as ours.
  await sql`CREATE OR REPLACE FUNCTION branchline_pull_horizon() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT COALESCE(
      (SELECT min(x) FROM pg_snapshot_xip(q.s) AS x
        WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
          WHERE a.backend_xid = xid(x) AND a.datid IS NOT NULL AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database()))),
      pg_snapshot_xmax(q.s))::text
    FROM (SELECT pg_current_snapshot() AS s) q $$`.execute(db);

  await sql`CREATE OR REPLACE FUNCTION branchline_client_status(p_client text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
    DECLARE c sync_client; min_version text;
    BEGIN
      SELECT * INTO c FROM sync_client WHERE client_id = p_client;
      IF NOT FOUND OR c.role_name <> session_user THEN RAISE EXCEPTION 'client % is not registered for this login', p_client USING ERRCODE = '42501'; END IF;
      SELECT value INTO min_version FROM sync_setting WHERE key = 'min_client_version';
      RETURN jsonb_build_object('lastMutationId', c.last_mutation_id, 'branchId', c.branch_id, 'retired', c.retired = 1, 'minVersion', min_version);
    END $$`.execute(db);

  // Two branches sold the same units offline: where a warehouse location now holds less than
  // is reserved (or less than nothing), the latest reservations give way — their transfers wait
  // again as backorders — and an exception is raised for the branch whose order gave way.
  await sql`CREATE OR REPLACE FUNCTION branchline_stock_exceptions(p_ids jsonb, p_at timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE s record; r record; excess bigint; raised integer := 0; take bigint;
    BEGIN
      FOR s IN SELECT sl.product_id, sl.location_id, sl.on_hand, sl.reserved, loc.path, p.sku
               FROM stock_level sl JOIN location loc ON loc.id = sl.location_id JOIN product p ON p.id = sl.product_id
               WHERE sl.product_id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_ids))) AND loc.usage = 'internal'
                 AND (sl.reserved > GREATEST(sl.on_hand, 0) OR sl.on_hand < 0) LOOP
        excess := s.reserved - GREATEST(s.on_hand, 0);
        FOR r IN SELECT res.id, res.quantity, res.transfer_line_id, t.id AS transfer_id, t.number, t.branch_id
                 FROM reservation res JOIN transfer_line tl ON tl.id = res.transfer_line_id JOIN transfer t ON t.id = tl.transfer_id
                 WHERE res.product_id = s.product_id AND res.location_id = s.location_id
                 ORDER BY res.created_at DESC, res.id DESC LOOP
          EXIT WHEN excess <= 0;
          take := LEAST(excess, r.quantity);
          IF take = r.quantity THEN DELETE FROM reservation WHERE id = r.id;
          ELSE UPDATE reservation SET quantity = quantity - take, updated_at = p_at, version = version + 1 WHERE id = r.id; END IF;
          UPDATE transfer_line SET state = 'waiting', updated_at = p_at, version = version + 1 WHERE id = r.transfer_line_id AND state = 'ready';
          UPDATE transfer SET state = 'waiting', backorder_reason = 'Stock sold twice while offline: backordered at merge', updated_at = p_at, version = version + 1
            WHERE id = r.transfer_id AND state IN ('waiting', 'ready');
          INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
          VALUES (gen_random_uuid()::text, r.branch_id, p_at, p_at, 1, 'stock', 'open',
            format('%s at %s was sold twice while offline: %s of %s units backordered on %s', s.sku, s.path, take, r.quantity, r.number),
            jsonb_build_object('productId', s.product_id, 'locationId', s.location_id, 'quantity', take, 'transferId', r.transfer_id)::text,
            r.branch_id, r.transfer_id);
          raised := raised + 1;
          excess := excess - take;
        END LOOP;
        IF s.on_hand < 0 THEN
          INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
          SELECT gen_random_uuid()::text, m.branch_id, p_at, p_at, 1, 'stock', 'open',
            format('%s at %s is below zero (%s) after merging offline shipments', s.sku, s.path, s.on_hand),
            jsonb_build_object('productId', s.product_id, 'locationId', s.location_id, 'onHand', s.on_hand)::text, m.branch_id, m.transfer_id
          FROM stock_move m WHERE m.product_id = s.product_id AND m.from_location_id = s.location_id ORDER BY m.created_at DESC LIMIT 1;
          raised := raised + 1;
        END IF;
      END LOOP;
      IF raised > 0 THEN PERFORM branchline_recompute(p_ids, p_at); END IF;
      RETURN raised;
    END $$`.execute(db);

  // A branch confirmed an order offline within the credit limit it could see (its own
  // orders and invoices: other branches' are private). At merge the centre sees them all:
  // when the customer's exposure across every branch (open receivables + released orders not
  // yet invoiced, this one included) is over the limit, the order is put on credit hold — a
  // status change on a branch-owned document — its delivery flow is cancelled (releasing the
  // credit hold makes a new one, as at the branch), finance gets the task, and an exception
  // is raised for the branch. An order already being picked, shipped or invoiced cannot be
  // held any more: the exception alone says so. Orders are taken in confirmation order (the
  // later one gives way); only the caller's own, and each order once.
  await sql`CREATE OR REPLACE FUNCTION branchline_credit_holds(p_ids jsonb, p_at timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE o record; receivables bigint; orders bigint; exposure bigint; started boolean; products jsonb; raised integer := 0; v_reason text;
    BEGIN
      FOR o IN SELECT so.id, so.number, so.branch_id, so.partner_id, so.currency, so.total_minor, so.invoiced_minor, so.cancelled_minor, p.credit_limit_minor, p.name
               FROM sales_order so JOIN partner p ON p.id = so.partner_id
               WHERE so.id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_ids))) AND so.branch_id = (SELECT branchline_branch())
                 AND so.state IN ('confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done')
                 AND so.payment_captured = 0 AND so.credit_released_by IS NULL AND p.credit_limit_minor IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM sync_exception x WHERE x.kind = 'credit' AND x.document_id = so.id)
               ORDER BY so.confirmed_at, so.id LOOP
        SELECT COALESCE(SUM(total_minor - paid_minor), 0) INTO receivables FROM invoice WHERE partner_id = o.partner_id AND state = 'open';
        SELECT COALESCE(SUM(total_minor - cancelled_minor - invoiced_minor), 0) INTO orders FROM sales_order
          WHERE partner_id = o.partner_id AND state IN ('confirmed', 'partially_delivered', 'delivered');
        exposure := receivables + orders;
        CONTINUE WHEN exposure <= o.credit_limit_minor;
        v_reason := format('Credit limit %s %s exceeded across branches: open invoices %s %s + open orders %s %s (this one included) = %s %s',
          o.currency, to_char(o.credit_limit_minor / 100.0, 'FM999,999,999,990.00'), o.currency, to_char(receivables / 100.0, 'FM999,999,999,990.00'),
          o.currency, to_char(orders / 100.0, 'FM999,999,999,990.00'), o.currency, to_char(exposure / 100.0, 'FM999,999,999,990.00'));
        SELECT EXISTS (SELECT 1 FROM transfer t WHERE t.origin = o.number AND t.partner_id = o.partner_id AND (t.state = 'done' OR t.wave_id IS NOT NULL
                 OR EXISTS (SELECT 1 FROM transfer_line l WHERE l.transfer_id = t.id AND l.quantity_done > 0))) OR o.invoiced_minor > 0
          OR (SELECT state FROM sales_order WHERE id = o.id) <> 'confirmed'
          INTO started;
        IF started THEN
          INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
          VALUES (gen_random_uuid()::text, o.branch_id, p_at, p_at, 1, 'credit', 'open',
            format('%s for %s: %s; it was already being delivered or invoiced, so it was not held', o.number, o.name, v_reason),
            jsonb_build_object('orderId', o.id, 'partnerId', o.partner_id, 'limitMinor', o.credit_limit_minor, 'exposureMinor', exposure, 'held', false)::text, o.branch_id, o.id);
          raised := raised + 1;
          CONTINUE;
        END IF;
        SELECT COALESCE(jsonb_agg(DISTINCT l.product_id), '[]'::jsonb) INTO products FROM transfer_line l JOIN transfer t ON t.id = l.transfer_id
          WHERE t.origin = o.number AND t.partner_id = o.partner_id AND t.state IN ('draft', 'waiting', 'ready');
        DELETE FROM reservation WHERE transfer_line_id IN (SELECT l.id FROM transfer_line l JOIN transfer t ON t.id = l.transfer_id
          WHERE t.origin = o.number AND t.partner_id = o.partner_id AND t.state IN ('draft', 'waiting', 'ready'));
        UPDATE transfer_line l SET state = 'cancelled', updated_at = p_at, version = l.version + 1 FROM transfer t
          WHERE t.id = l.transfer_id AND t.origin = o.number AND t.partner_id = o.partner_id AND t.state IN ('draft', 'waiting', 'ready') AND l.state IN ('draft', 'waiting', 'ready');
        UPDATE transfer SET state = 'cancelled', backorder_reason = 'Credit hold at merge', updated_at = p_at, version = version + 1
          WHERE origin = o.number AND partner_id = o.partner_id AND state IN ('draft', 'waiting', 'ready');
        UPDATE sales_order SET state = 'credit_hold', hold_reason = v_reason, updated_at = p_at, version = version + 1 WHERE id = o.id;
        IF NOT EXISTS (SELECT 1 FROM activity WHERE document_id = o.id AND kind = 'credit_hold' AND state = 'open') THEN
          INSERT INTO activity (id, branch_id, created_at, updated_at, version, role, kind, title, body, document_kind, document_id, document_number, state)
          VALUES (gen_random_uuid()::text, o.branch_id, p_at, p_at, 1, 'finance', 'credit_hold', format('%s for %s is on credit hold', o.number, o.name), v_reason,
            'sales_order', o.id, o.number, 'open');
        END IF;
        INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
        VALUES (gen_random_uuid()::text, o.branch_id, p_at, p_at, 1, 'credit', 'open',
          format('%s for %s was put on credit hold at merge: %s', o.number, o.name, v_reason),
          jsonb_build_object('orderId', o.id, 'partnerId', o.partner_id, 'limitMinor', o.credit_limit_minor, 'exposureMinor', exposure, 'held', true)::text, o.branch_id, o.id);
        IF jsonb_array_length(products) > 0 THEN PERFORM branchline_recompute(products, p_at); END IF;
        raised := raised + 1;
      END LOOP;
      RETURN raised;
    END $$`.execute(db);

  // A mutation that passed the gate but cannot be applied (it writes rows the branch does not
  // own, or breaks a constraint) is set aside, not applied, and the stream moves past it.
  await sql`CREATE OR REPLACE FUNCTION branchline_quarantine(p_client text, p_mutation bigint, p_payload text, p_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE c sync_client;
    BEGIN
      SELECT * INTO c FROM sync_client WHERE client_id = p_client FOR UPDATE;
      IF NOT FOUND OR c.role_name <> session_user THEN RAISE EXCEPTION 'client % is not registered for this login', p_client USING ERRCODE = '42501'; END IF;
      IF p_mutation <> c.last_mutation_id + 1 THEN RAISE EXCEPTION 'only the next mutation can be quarantined'; END IF;
      INSERT INTO sync_quarantine (client_id, mutation_id, payload, reason, at) VALUES (p_client, p_mutation, p_payload, p_reason, now());
      INSERT INTO sync_applied (client_id, mutation_id, payload_hash, applied_at) VALUES (p_client, p_mutation, encode(hmac(p_payload, c.secret, 'sha256'), 'hex'), now());
      UPDATE sync_client SET last_mutation_id = p_mutation, last_seen_at = now() WHERE client_id = p_client;
      INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
      VALUES (gen_random_uuid()::text, c.branch_id, now(), now(), 1, 'quarantine', 'open',
        format('A change from this branch could not be applied and was set aside (mutation %s): %s', p_mutation, p_reason),
        jsonb_build_object('clientId', p_client, 'mutationId', p_mutation)::text, c.branch_id, NULL);
    END $$`.execute(db);

  // Keys two branches can take at once offline are unique per branch (migration 0030); at merge
  // the centre sees both and raises the business conflict for the later branch, once per
  // document: the same vendor invoice recorded at two branches (check it is paid once), a
  // shared warehouse's location counted at two branches at the same time (both would post),
  // one bank statement file imported at two branches (reconciled twice), and one order file's
  // order imported at two branches (the idempotency key is each branch's: shipped twice).
  // p_new: the batch's new row ids by table.
  // Only the caller's own new documents; runs as the owner, which sees every branch's.
  await sql`CREATE OR REPLACE FUNCTION branchline_duplicate_exceptions(p_new jsonb, p_at timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE raised integer;
    BEGIN
      WITH me AS (SELECT branchline_branch() AS id),
      found AS (
        -- Each arm: one of the caller's new documents whose key another branch's document holds.
        SELECT 'duplicate_bill' AS kind, b.branch_id, b.id AS document_id,
          format('%s''s bill %s was recorded here as %s and at branch %s as %s while offline: make sure it is paid once', v.name, b.vendor_reference, b.number, ob.code, o.number) AS message,
          jsonb_build_object('billId', b.id, 'vendorReference', b.vendor_reference, 'otherBranch', ob.code, 'otherNumber', o.number) AS details
        FROM vendor_bill b JOIN partner v ON v.id = b.vendor_id
        JOIN LATERAL (SELECT x.number, x.branch_id FROM vendor_bill x WHERE x.vendor_id = b.vendor_id AND x.vendor_reference = b.vendor_reference AND x.branch_id <> b.branch_id ORDER BY x.created_at, x.id LIMIT 1) o ON true
        JOIN branch ob ON ob.id = o.branch_id
        WHERE b.id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_new->'vendor_bill'))) AND b.branch_id = (SELECT id FROM me)
        UNION ALL
        SELECT 'count', c.branch_id, c.id,
          format('%s is counted here (%s) and at branch %s (%s) at the same time: post one count and cancel the other, or both adjustments post', l.path, c.number, ob.code, o.number),
          jsonb_build_object('countId', c.id, 'otherBranch', ob.code, 'otherNumber', o.number)
        FROM cycle_count c JOIN location l ON l.id = c.location_id
        JOIN LATERAL (SELECT x.number, x.branch_id FROM cycle_count x WHERE x.location_id = c.location_id AND x.branch_id <> c.branch_id AND x.state IN ('open', 'awaiting_approval') ORDER BY x.created_at, x.id LIMIT 1) o ON true
        JOIN branch ob ON ob.id = o.branch_id
        WHERE c.id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_new->'cycle_count'))) AND c.branch_id = (SELECT id FROM me) AND c.state IN ('open', 'awaiting_approval')
        UNION ALL
        SELECT 'duplicate_statement', s.branch_id, s.id,
          format('Bank statement %s was imported here and at branch %s (as %s) while offline: reconcile it at one branch only', s.name, ob.code, o.name),
          jsonb_build_object('statementId', s.id, 'otherBranch', ob.code)
        FROM bank_statement s
        JOIN LATERAL (SELECT x.name, x.branch_id FROM bank_statement x WHERE x.file_hash = s.file_hash AND x.branch_id <> s.branch_id ORDER BY x.created_at, x.id LIMIT 1) o ON true
        JOIN branch ob ON ob.id = o.branch_id
        WHERE s.id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_new->'bank_statement'))) AND s.branch_id = (SELECT id FROM me)
        UNION ALL
        SELECT 'duplicate_import', k.branch_id, k.order_id,
          format('The imported order %s became %s here and %s at branch %s while offline: cancel one, or the customer gets it twice', k.key, k.order_number, o.order_number, ob.code),
          jsonb_build_object('key', k.key, 'orderId', k.order_id, 'otherBranch', ob.code, 'otherNumber', o.order_number)
        FROM import_key k
        JOIN LATERAL (SELECT x.order_number, x.branch_id FROM import_key x WHERE x.key = k.key AND x.branch_id <> k.branch_id ORDER BY x.created_at, x.id LIMIT 1) o ON true
        JOIN branch ob ON ob.id = o.branch_id
        WHERE k.id = ANY(ARRAY(SELECT jsonb_array_elements_text(p_new->'import_key'))) AND k.branch_id = (SELECT id FROM me)
      )
      INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
      SELECT gen_random_uuid()::text, f.branch_id, p_at, p_at, 1, f.kind, 'open', f.message, f.details::text, f.branch_id, f.document_id
      FROM found f WHERE NOT EXISTS (SELECT 1 FROM sync_exception e WHERE e.kind = f.kind AND e.document_id = f.document_id);
      GET DIAGNOSTICS raised = ROW_COUNT;
      RETURN raised;
    END $$`.execute(db);

  for (const fn of ['branchline_quarantine(text, bigint, text, text)', 'branchline_branch()', 'branchline_recompute(jsonb, timestamptz)', 'branchline_push_check(text, jsonb)', 'branchline_push_check_packed(text, bigint[], text, text[], text)', 'branchline_client_status(text)', 'branchline_pull_horizon()', 'branchline_stock_exceptions(jsonb, timestamptz)', 'branchline_credit_holds(jsonb, timestamptz)', 'branchline_duplicate_exceptions(jsonb, timestamptz)']) {
    await sql.raw(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`).execute(db);
    await sql.raw(`GRANT EXECUTE ON FUNCTION ${fn} TO ${BRANCH_GROUP_ROLE}`).execute(db);
  }
  // (Reached only through the two push_check forms.)
  await sql.raw('REVOKE ALL ON FUNCTION branchline_push_gate(text, bigint[], text[], text[], text[]) FROM PUBLIC').execute(db);
  return { migrated: report.applied };
}

/**
 * On a centre, finance's per-row journal triggers (migration 0011) become per statement, as the
 * change log did: a push writes a batch's 6,000 journal lines in one INSERT, and a plpgsql call
 * per line for the balance upsert, then another per line and per entry at commit for the
 * balanced check (a SUM of the entry's lines each time), was most of what writing them cost —
 * for the engine's push and for raw inserts alike.
 *  - Balances: one grouped upsert per statement from the transition table (same sums).
 *  - Balanced entries, still checked at commit whatever wrote the rows: each INSERT into
 *    journal_line or journal_entry records the entry ids it wrote (one row per statement) in
 *    an unlogged work table, whose deferred constraint trigger checks those entries in one
 *    query at commit and deletes the row (nothing of it is ever committed). Same rule and
 *    error (23514) as `finance_check_balanced`: at least two lines, debits equal credits.
 * The lock-date trigger stays per row (it changes the row it checks): finance's own (migration 0025 made it cheap for rows after the lock date).
 */
async function statementLevelFinanceTriggers(central: CentralDatabase): Promise<void> {
  const db = central.db;
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('journal_line')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return;
  await sql`CREATE OR REPLACE FUNCTION branchline_add_balances() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      INSERT INTO account_balance (account_id, date, branch_id, debit_minor, credit_minor)
      SELECT account_id, date, branch_id, sum(debit_minor), sum(credit_minor) FROM new_rows GROUP BY account_id, date, branch_id
      ON CONFLICT (account_id, date, branch_id) DO UPDATE SET debit_minor = account_balance.debit_minor + EXCLUDED.debit_minor, credit_minor = account_balance.credit_minor + EXCLUDED.credit_minor;
      RETURN NULL;
    END $$`.execute(db);
  await sql`DROP TRIGGER IF EXISTS journal_line_balance ON journal_line`.execute(db);
  await sql`DROP TRIGGER IF EXISTS journal_line_balances ON journal_line`.execute(db);
  await sql`CREATE TRIGGER journal_line_balances AFTER INSERT ON journal_line REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION branchline_add_balances()`.execute(db);

  // The lock-date move stays per row (it rewrites the row): finance's finance_move_locked, cheap
  // for the rows it leaves alone since migration 0025. Earlier versions of this function
  // installed a copy of it under other names; the triggers go back to finance's, the copy goes.
  for (const t of ['journal_entry', 'journal_line']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${t}_move_locked`)} ON ${sql.table(t)}`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${t}_move_locked`)} BEFORE INSERT ON ${sql.table(t)} FOR EACH ROW EXECUTE FUNCTION finance_move_locked()`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS branchline_move_locked()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS branchline_move_locked_to(text, text, text, text, text)`.execute(db);

  await sql`CREATE UNLOGGED TABLE IF NOT EXISTS branchline_balance_check (id bigserial PRIMARY KEY, entry_ids text[] NOT NULL)`.execute(db);
  await sql`REVOKE ALL ON branchline_balance_check FROM PUBLIC`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION branchline_queue_balance_check() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE ids text[];
    BEGIN
      IF TG_TABLE_NAME = 'journal_line' THEN SELECT array_agg(DISTINCT entry_id) INTO ids FROM new_rows;
      ELSE SELECT array_agg(id) INTO ids FROM new_rows; END IF;
      IF ids IS NOT NULL THEN INSERT INTO branchline_balance_check (entry_ids) VALUES (ids); END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE OR REPLACE FUNCTION branchline_check_balanced() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE e text; d bigint; c bigint; n bigint;
    BEGIN
      SELECT x.id, COALESCE(sum(l.debit_minor), 0), COALESCE(sum(l.credit_minor), 0), count(l.entry_id) INTO e, d, c, n
      FROM unnest(NEW.entry_ids) AS x(id) LEFT JOIN journal_line l ON l.entry_id = x.id
      GROUP BY x.id HAVING count(l.entry_id) < 2 OR COALESCE(sum(l.debit_minor), 0) <> COALESCE(sum(l.credit_minor), 0) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'journal entry % is not balanced (debit %, credit %, % lines)', e, d, c, n USING ERRCODE = '23514';
      END IF;
      DELETE FROM branchline_balance_check WHERE id = NEW.id;
      RETURN NULL;
    END $$`.execute(db);
  await sql`DROP TRIGGER IF EXISTS branchline_balance_check_due ON branchline_balance_check`.execute(db);
  await sql`CREATE CONSTRAINT TRIGGER branchline_balance_check_due AFTER INSERT ON branchline_balance_check
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION branchline_check_balanced()`.execute(db);
  for (const t of ['journal_entry', 'journal_line']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${t}_balanced`)} ON ${sql.table(t)}`.execute(db);
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${t}_balance_check`)} ON ${sql.table(t)}`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${t}_balance_check`)} AFTER INSERT ON ${sql.table(t)} REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION branchline_queue_balance_check()`.execute(db);
  }
}

import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_platform';
import * as m0002 from './0002_catalog';
import * as m0003 from './0003_organisation';
import * as m0004 from './0004_inventory';
import * as m0005 from './0005_replication';
import * as m0006 from './0006_list_indexes';
import * as m0007 from './0007_partners_pricing';
import * as m0008 from './0008_sales';
import * as m0009 from './0009_imports_notifications';
import * as m0010 from './0010_purchasing';
import * as m0011 from './0011_finance';
import * as m0012 from './0012_service';
import * as m0013 from './0013_reports';
import * as m0014 from './0014_dropship';
import * as m0015 from './0015_purchasing_schedule_ack';
import * as m0016 from './0016_finance_taxes';
import * as m0017 from './0017_service_outbox_lots';
import * as m0020 from './0020_capture_keys';
import * as m0021 from './0021_report_segments';
import * as m0022 from './0022_finance_lock_guard';
import * as m0024 from './0024_stock_level_clustered';
import * as m0025 from './0025_central_change_log_json';
import * as m0027 from './0027_outbox_lean';
import * as m0028 from './0028_reorder_rule_per_branch';
import * as m0029 from './0029_shared_rows_owned';
import * as m0030 from './0030_private_keys_per_branch';

/**
 * Every schema migration, in order. Names sort in the order they apply; never rename
 * or edit one that has shipped — add a new one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_platform': m0001,
  '0002_catalog': m0002,
  '0003_organisation': m0003,
  '0004_inventory': m0004,
  '0005_replication': m0005,
  '0006_list_indexes': m0006,
  '0007_partners_pricing': m0007,
  '0008_sales': m0008,
  '0009_imports_notifications': m0009,
  '0010_purchasing': m0010,
  '0011_finance': m0011,
  '0012_service': m0012,
  '0013_reports': m0013,
  '0014_dropship': m0014,
  '0015_purchasing_schedule_ack': m0015,
  '0016_finance_taxes': m0016,
  '0017_service_outbox_lots': m0017,
  '0020_capture_keys': m0020,
  '0021_report_segments': m0021,
  '0022_finance_lock_guard': m0022,
  '0024_stock_level_clustered': m0024,
  '0025_central_change_log_json': m0025,
  '0027_outbox_lean': m0027,
  '0028_reorder_rule_per_branch': m0028,
  '0029_shared_rows_owned': m0029,
  '0030_private_keys_per_branch': m0030,
};

export const LATEST_SCHEMA = Object.keys(MIGRATIONS).sort().at(-1)!;

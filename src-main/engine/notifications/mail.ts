import nodemailer from 'nodemailer';
import type { Db, Tx } from '../platform/db';

/** The SMTP server, kept per install in `setting:mail.` meta rows (never replicated: it holds a password). */
export interface MailConfig {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  password: string | null;
  from: string;
}

const KEYS = ['host', 'port', 'secure', 'username', 'password', 'from'] as const;

export async function readMailConfig(db: Db | Tx): Promise<MailConfig | null> {
  const rows = await db.selectFrom('meta').select(['key', 'value']).where('key', '>=', 'setting:mail.').where('key', '<', 'setting:mail/').execute();
  const get = (k: string) => rows.find((r) => r.key === `setting:mail.${k}`)?.value ?? null;
  const host = get('host');
  if (!host) return null;
  return { host, port: Number(get('port') ?? 587), secure: get('secure') === '1', username: get('username'), password: get('password'), from: get('from') ?? 'noreply@localhost' };
}

export async function writeMailConfig(db: Tx, c: MailConfig | null): Promise<void> {
  await db.deleteFrom('meta').where('key', '>=', 'setting:mail.').where('key', '<', 'setting:mail/').execute();
  if (!c) return;
  const values: Record<(typeof KEYS)[number], string | null> = { host: c.host, port: String(c.port), secure: c.secure ? '1' : '0', username: c.username, password: c.password, from: c.from };
  for (const k of KEYS) {
    const v = values[k];
    if (v !== null) await db.insertInto('meta').values({ key: `setting:mail.${k}`, value: v }).execute();
  }
}

/** One SMTP connection for a dispatch run (nodemailer). */
export function mailTransport(c: MailConfig) {
  return nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    auth: c.username ? { user: c.username, pass: c.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

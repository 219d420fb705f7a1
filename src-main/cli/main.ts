/**
 * The `branchline` command line: database chores and the headless host, all through the
 * engine's contract. Runs from source (scripts/branchline.mjs registers tsx), no build needed.
 */
import { resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ROLES } from '../../src-shared/permissions';
import { defaultDbFile } from '../host/paths';
import { CliError, appVersion } from './common';

interface GlobalOptions {
  db?: string;
  json?: boolean;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

function integer(label: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${label} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Opens a URL in the desktop's browser; failure only costs a message. */
function openInBrowser(url: string, io: CliIo): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => io.err(`Could not open a browser; open ${url} yourself`));
    child.unref();
  } catch {
    io.err(`Could not open a browser; open ${url} yourself`);
  }
}

/** Resolves when SIGINT or SIGTERM arrives (a second one exits at once). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      done(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command();
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();
  const dbOf = (cmd: Command) => resolve(globals(cmd).db ?? defaultDbFile());
  const json = (cmd: Command) => globals(cmd).json === true;
  const print = (cmd: Command, human: string, machine: unknown) => io.out(json(cmd) ? JSON.stringify(machine) : human);

  program
    .name('branchline')
    .description('Branchline ERP: database chores and the browser-mode host')
    .version(appVersion(), '-v, --version')
    .option('--db <file>', 'the branch database (SQLite file); default: the desktop app’s data folder or $BRANCHLINE_DB')
    .option('--json', 'machine-readable output')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: (s) => io.err(oneLine(s)),
    });

  program
    .command('migrate')
    .description('bring the database to the latest schema (creating it), backing up an existing one first')
    .action(async (_opts, cmd: Command) => {
      const { migrateDatabase } = await import('./commands');
      const dbFile = dbOf(cmd);
      const report = await migrateDatabase(dbFile);
      const human = report.applied.length
        ? [`Applied ${report.applied.length} migration(s) to ${dbFile}: ${report.applied.join(', ')}`, `Schema: ${report.before ?? 'none'} → ${report.after}`, `Backup: ${report.backupFile ?? 'none (new database)'}`].join('\n')
        : `${dbFile} is up to date (schema ${report.after})`;
      print(cmd, human, { dbFile, ...report });
    });

  program
    .command('seed')
    .description('load the demo company into a new database')
    .option('--demo', 'the demo company (the only kind of seed)')
    .option('--seed <n>', 'random seed: the same seed gives the same business data', integer('--seed', 0, 2 ** 31), 1)
    .addOption(new Option('--size <size>', 'how much demo data').choices(['small', 'default', 'large']).default('default'))
    .action(async (opts: { demo?: boolean; seed: number; size: 'small' | 'default' | 'large' }, cmd: Command) => {
      if (!opts.demo) throw new CliError('Only the demo company can be seeded: branchline seed --demo [--seed N] [--size small|default|large]', 2);
      const { seedDemo } = await import('./commands');
      const dbFile = dbOf(cmd);
      let shown = '';
      const result = await seedDemo(dbFile, {
        seed: opts.seed,
        size: opts.size,
        // Progress only for a person watching a terminal; scripts and tests get clean stderr.
        progress: (line) => {
          if (line !== shown && !json(cmd) && process.stderr.isTTY) io.err((shown = line));
        },
      });
      print(
        cmd,
        `Loaded the demo company into ${dbFile}: ${result.products} products, ${result.customers} customers, ${result.vendors} vendors.\nLogins: ${result.logins.map((l) => `${l.username}/${l.password}`).join(', ')}`,
        { dbFile, ...result },
      );
    });

  program
    .command('serve')
    .description('serve the app to a browser on this machine (http://127.0.0.1 only)')
    .option('--port <n>', 'port to listen on (0: any free port)', integer('--port', 0, 65535))
    .option('--open', 'open the app in the default browser')
    .option('--ui <dir>', 'folder of the built renderer (default: out/renderer)')
    .action(async (opts: { port?: number; open?: boolean; ui?: string }, cmd: Command) => {
      const { DEFAULT_PORT, DEFAULT_UI_DIR, builtUiDir, runningLine, startServer } = await import('./serve');
      const uiDir = builtUiDir(opts.ui ? resolve(opts.ui) : DEFAULT_UI_DIR);
      if (!uiDir) io.err(`The UI is not built (${resolve(opts.ui ?? DEFAULT_UI_DIR, 'index.html')} is missing): run \`npx electron-vite build\`, then serve again. Serving the API only.`);
      const running = await startServer({ dbFile: dbOf(cmd), port: opts.port ?? DEFAULT_PORT, uiDir, log: (m, e) => io.err(`${m}${e instanceof Error ? `: ${e.message}` : ''}`) });
      io.out(runningLine(running.host.url));
      if (opts.open) openInBrowser(running.host.url, io);
      await untilSignal();
      await running.close();
    });

  program
    .command('backup')
    .description('online backup of the database to a new SQLite file')
    .option('--out <file>', 'where to write it (default: next to the database, time-stamped)')
    .action(async (opts: { out?: string }, cmd: Command) => {
      const { backupDatabase, defaultBackupFile } = await import('./commands');
      const dbFile = dbOf(cmd);
      const result = await backupDatabase(dbFile, resolve(opts.out ?? defaultBackupFile(dbFile)));
      print(cmd, `Backed up ${dbFile} to ${result.file} (${Math.ceil(result.bytes / 1024)} KB)`, { dbFile, ...result });
    });

  const users = program.command('users').description('manage users');
  users
    .command('add <username>')
    .description('create a user (as the first admin, through users.create)')
    .requiredOption('--password <password>', 'at least 8 characters')
    .requiredOption('--roles <roles>', `comma-separated: ${ROLES.join(', ')}`)
    .option('--display-name <name>', 'name shown in the app (default: the user name)')
    .action(async (username: string, opts: { password: string; roles: string; displayName?: string }, cmd: Command) => {
      const { addUser, parseRoles } = await import('./commands');
      const roles = parseRoles(opts.roles);
      const user = (await addUser(dbOf(cmd), { username, password: opts.password, roles, displayName: opts.displayName })) as { username: string; roles: string[] };
      print(cmd, `Created user ${user.username} (${user.roles.join(', ')})`, user);
    });

  program
    .command('rpc <method> [input]')
    .description("call a contract method as a user and print the envelope, e.g. rpc catalog.product.search '{\"query\":\"drill\"}'")
    .option('--user <name>', 'call as this user (default: the first active admin)')
    .action(async (method: string, input: string | undefined, opts: { user?: string }, cmd: Command) => {
      const { callAs, checkMethodName, parseJsonInput } = await import('./commands');
      checkMethodName(method);
      const parsed = parseJsonInput(input ?? '{}');
      const envelope = await callAs(dbOf(cmd), method, parsed, opts.user);
      io.out(json(cmd) ? JSON.stringify(envelope) : JSON.stringify(envelope, null, 2));
      setExitCode(envelope.ok ? 0 : 1);
    });

  program
    .command('replenish')
    .description('replenishment run: propose buys and transfers from reorder rules; draft purchase orders per vendor and warehouse')
    .option('--warehouse <code>', 'only this warehouse')
    .option('--dry-run', 'show the proposals, write nothing')
    .option('--user <name>', 'run as this user (default: the first active admin)')
    .action(async (opts: { warehouse?: string; dryRun?: boolean; user?: string }, cmd: Command) => {
      const { replenish, describeReplenishment } = await import('./purchasing-commands');
      const r = await replenish(dbOf(cmd), { warehouse: opts.warehouse, dryRun: opts.dryRun === true, user: opts.user, progress: json(cmd) ? undefined : (line) => io.err(line) });
      print(cmd, describeReplenishment(r), r);
    });

  const importCmd = program.command('import').description("import orders into the order pipeline, with a report (accepted, held, rejected); and vendors' 855 acknowledgements of purchase orders");
  const runImportCommand = async (kind: 'orders' | 'edi', file: string, opts: { channel?: string; user?: string }, cmd: Command) => {
    const { importFile, describeImport } = await import('./import-commands');
    // Ctrl-C cancels the rest of the import; orders already imported stay (each is whole).
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const report = await importFile(dbOf(cmd), { kind, file, channel: opts.channel, user: opts.user, signal: abort.signal, progress: json(cmd) || !process.stderr.isTTY ? undefined : (line) => io.err(line) });
      print(cmd, describeImport(report), report);
      setExitCode(report.batch.counts.rejected > 0 ? 1 : 0);
    } finally {
      process.off('SIGINT', onSignal);
    }
  };
  importCmd
    .command('orders <file>')
    .description('a CSV, XLSX or JSON order file from a channel (columns by the channel\'s saved mapping); exits 1 when an order was rejected')
    .requiredOption('--channel <code>', 'the channel the orders come from: rep, portal, ecommerce, marketplace, edi, contract')
    .option('--user <name>', 'import as this user (default: the first active admin)')
    .action((file: string, opts: { channel: string; user?: string }, cmd: Command) => runImportCommand('orders', file, opts, cmd));
  importCmd
    .command('edi <file>')
    .description('EDI X12 850 purchase orders (any delimiters); 855 acknowledgements for the accepted ones; exits 1 when one was rejected')
    .option('--user <name>', 'import as this user (default: the first active admin)')
    .action((file: string, opts: { user?: string }, cmd: Command) => runImportCommand('edi', file, opts, cmd));
  importCmd
    .command('ack <file>')
    .alias('855')
    .description("a vendor's EDI X12 855 purchase order acknowledgement: the PO is confirmed by the vendor, each line accepted, changed, rejected or backordered (a refused file writes nothing; exits 1)")
    .option('--user <name>', 'import as this user (default: the first active admin)')
    .action(async (file: string, opts: { user?: string }, cmd: Command) => {
      const { acknowledgeFile, describeAcknowledgement } = await import('./acknowledge-commands');
      const r = await acknowledgeFile(dbOf(cmd), { file, user: opts.user });
      print(cmd, describeAcknowledgement(r), r);
    });

  const central = program.command('central').description('the central PostgreSQL database');
  central
    .command('init')
    .description('create or upgrade the central schema, the branch role and its row-level security policies')
    .requiredOption('--url <url>', 'postgres://… of an administrator')
    .option('--demo', 'load the demo company into the centre if it is empty')
    .option('--seed <n>', 'demo seed', integer('--seed', 0, 2 ** 31), 1)
    .addOption(new Option('--size <size>', 'demo size').choices(['small', 'default', 'large']).default('default'))
    .action(async (opts: { url: string; demo?: boolean; seed: number; size: 'small' | 'default' | 'large' }, cmd: Command) => {
      const { centralInit } = await import('./sync-commands');
      const r = await centralInit(opts.url, { demo: opts.demo === true, seed: opts.seed, size: opts.size });
      print(cmd, `Central database ready at ${r.central}${r.migrated.length ? ` (applied ${r.migrated.join(', ')})` : ''}${r.demo ? '; demo company loaded' : ''}`, r);
    });

  const branch = program.command('branch').description('this install as a branch of a centre');
  branch
    .command('register')
    .description('register this database with the centre as one branch (gets its own login and signing key)')
    .requiredOption('--central <url>', 'postgres://… of a central administrator')
    .requiredOption('--code <code>', 'branch code, e.g. B01')
    .requiredOption('--name <name>', 'branch name')
    .option('--again', 'register a copied or restored branch database under a new identity')
    .action(async (opts: { central: string; code: string; name: string; again?: boolean }, cmd: Command) => {
      const { branchRegister } = await import('./sync-commands');
      const r = await branchRegister(dbOf(cmd), opts.central, opts.code.toUpperCase(), opts.name, opts.again === true);
      print(cmd, `Registered ${r.dbFile} as branch ${r.branch} (client ${r.clientId}); credentials in ${r.credentials} (readable by you only). Run \`branchline sync\` for the first sync.`, r);
    });

  program
    .command('sync')
    .description('push the outbox, then pull from the centre; exits 0 when everything is pushed')
    .option('--watch', 'keep syncing (every 15 s, and when the centre announces changes) until Ctrl+C')
    .action(async (opts: { watch?: boolean }, cmd: Command) => {
      const { syncBranch } = await import('./sync-commands');
      const dbFile = dbOf(cmd);
      const round = async () => {
        const r = await syncBranch(dbFile, (line) => io.err(line));
        print(cmd, `Pushed ${r.pushed}, pulled ${r.pulled}${r.quarantined ? `, ${r.quarantined} set aside at the centre` : ''}; ${r.pending === 0 ? 'everything is pushed' : `${r.pending} still waiting`}`, r);
        return r;
      };
      if (!opts.watch) {
        const r = await round();
        setExitCode(r.pending === 0 ? 0 : 1);
        return;
      }
      let stop = false;
      void untilSignal().then(() => {
        stop = true;
      });
      while (!stop) {
        await round().catch((e: Error) => io.err(e.message));
        for (let i = 0; i < 150 && !stop; i++) await new Promise((r) => setTimeout(r, 100));
      }
    });

  program
    .command('methods')
    .description('list every contract method with its kind and the access it needs')
    .action(async (_opts, cmd: Command) => {
      const { listMethods } = await import('./commands');
      const rows = listMethods();
      const width = Math.max(...rows.map((r) => r.name.length));
      const human = rows.map((r) => `${r.name.padEnd(width)}  ${r.kind.padEnd(7)}  ${r.access.padEnd(14)}  ${r.summary}`).join('\n');
      print(cmd, human, rows);
    });

  // --- packaging and updates (release-commands.ts) -------------------------------------
  const percent = integer('--rollout', 0, 100);
  const release = program.command('release').description('publish installers to an update folder and control their rollout');
  release
    .command('publish')
    .description('copy the installers of a build to the update folder, then write the channel metadata (latest*.yml / beta*.yml)')
    .option('--dir <dist>', 'electron-builder output folder (npm run dist)', 'dist')
    .requiredOption('--to <folder>', 'the update folder (served as is by any HTTPS static host)')
    .requiredOption('--channel <channel>', 'stable or beta')
    .option('--rollout <percent>', 'staged rollout: share of installs offered the release (0–100)', percent, 100)
    .option('--required', 'installs even with unsent changes (still never during a period close or an import)')
    .option('--version <x.y.z>', 'the version, if the installer names do not say it')
    .option('--allow-older', 'publish although the channel offers a newer version')
    .action(async (opts: { dir: string; to: string; channel: string; rollout: number; required?: boolean; version?: string; allowOlder?: boolean }, cmd: Command) => {
      const { parseChannel, releasePublish } = await import('./release-commands');
      const r = await releasePublish({ dist: resolve(opts.dir), to: resolve(opts.to), channel: parseChannel(opts.channel), rollout: opts.rollout, required: opts.required, version: opts.version, allowOlder: opts.allowOlder });
      const copied = r.artifacts.filter((a) => a.state === 'copied').length;
      print(cmd, `Published ${r.version} to ${r.channel} in ${resolve(opts.to)}: ${r.artifacts.length} file(s) (${copied} copied), then ${r.metadata.join(', ')}; rollout ${r.rollout}%`, r);
    });
  release
    .command('rollout')
    .description("change the staged rollout of a channel's current release: raise it, or halt it with 0")
    .requiredOption('--to <folder>', 'the update folder')
    .requiredOption('--channel <channel>', 'stable or beta')
    .option('--percent <n>', 'share of installs offered the release (0 halts it)', integer('--percent', 0, 100))
    .option('--halt', 'same as --percent 0: no further install is offered the release')
    .option('--required', 'mark the release as required')
    .option('--not-required', 'remove the required mark')
    .action(async (opts: { to: string; channel: string; percent?: number; halt?: boolean; required?: boolean; notRequired?: boolean }, cmd: Command) => {
      const { parseChannel, releaseRollout } = await import('./release-commands');
      const value = opts.halt ? 0 : opts.percent;
      if (value === undefined) throw new CliError('Give --percent N (0–100) or --halt', 2);
      const required = opts.required ? true : opts.notRequired ? false : undefined;
      const r = releaseRollout({ to: resolve(opts.to), channel: parseChannel(opts.channel), percent: value, required });
      print(cmd, value === 0 ? `Halted ${r.version} on ${opts.channel}: no further install is offered it (${r.files.join(', ')})` : `${r.version} on ${opts.channel} now reaches ${value}% of installs (${r.files.join(', ')})`, { ...r, percent: value });
    });
  release
    .command('channel')
    .description('put a branch or a device group on a channel (channels.json in the update folder)')
    .requiredOption('--to <folder>', 'the update folder')
    .option('--branch <code>', 'branch code, e.g. B01')
    .option('--group <name>', 'device group (set in each machine policy or settings)')
    .option('--channel <channel>', 'stable or beta')
    .option('--clear', "remove the assignment (installs follow their own setting)")
    .action(async (opts: { to: string; branch?: string; group?: string; channel?: string; clear?: boolean }, cmd: Command) => {
      const { parseChannel, releaseChannel } = await import('./release-commands');
      if (!opts.clear && !opts.channel) throw new CliError('Give --channel stable|beta, or --clear', 2);
      const r = releaseChannel({ to: resolve(opts.to), branch: opts.branch, group: opts.group, channel: opts.clear ? null : parseChannel(opts.channel!) });
      print(cmd, `${opts.branch ? `Branch ${opts.branch.toUpperCase()}` : `Device group ${opts.group}`} ${opts.clear ? 'follows its own channel again' : `is on ${opts.channel}`}`, r);
    });
  release
    .command('status')
    .description('what each channel offers, its rollout, and the channel assignments')
    .requiredOption('--to <folder>', 'the update folder')
    .action(async (opts: { to: string }, cmd: Command) => {
      const { releaseStatus } = await import('./release-commands');
      const r = releaseStatus(resolve(opts.to));
      const lines = r.channels.map((c) => `${c.channel.padEnd(6)}  ${c.file.padEnd(22)}  ${c.version.padEnd(14)}  ${String(c.rollout).padStart(3)}%${c.required ? '  required' : ''}`);
      const assigned = [...Object.entries(r.assignments.branches).map(([k, v]) => `branch ${k} → ${v}`), ...Object.entries(r.assignments.groups).map(([k, v]) => `group ${k} → ${v}`)];
      print(cmd, [...(lines.length ? lines : ['No releases published']), ...(assigned.length ? ['', ...assigned] : [])].join('\n'), r);
    });

  program
    .command('update-server')
    .description('serve an update folder on 127.0.0.1 (trials and tests; production uses any HTTPS static host)')
    .requiredOption('--dir <folder>', 'the update folder')
    .option('--port <n>', 'port to listen on (0: any free port)', integer('--port', 0, 65535), 8790)
    .option('--quiet', 'do not log requests')
    .action(async (opts: { dir: string; port: number; quiet?: boolean }) => {
      const { startUpdateServer } = await import('./release-commands');
      const server = await startUpdateServer(resolve(opts.dir), opts.port, opts.quiet ? undefined : (line) => io.err(line));
      io.out(`Serving ${resolve(opts.dir)} at ${server.url}/ (Ctrl+C to stop)`);
      await untilSignal();
      await server.close();
    });

  central
    .command('min-version')
    .description('show or set the minimum app version the centre accepts changes from (older installs keep working but cannot push)')
    .requiredOption('--url <url>', 'postgres://… of an administrator')
    .option('--set <x.y.z>', 'the new minimum')
    .option('--clear', 'accept every version again')
    .action(async (opts: { url: string; set?: string; clear?: boolean }, cmd: Command) => {
      const { centralMinVersion } = await import('./release-commands');
      const r = await centralMinVersion(opts.url, opts.clear ? null : opts.set);
      const behind = r.below.length ? `; ${r.below.length} device(s) below it: ${r.below.map((d) => `${d.branchCode ?? d.clientId} (${d.appVersion ?? 'unknown'})`).join(', ')}` : '';
      print(cmd, `${r.changed ? 'Minimum version now' : 'Minimum version'}: ${r.minVersion ?? 'none'}${r.changed && r.previous !== r.minVersion ? ` (was ${r.previous ?? 'none'})` : ''}${behind}`, r);
    });
  central
    .command('devices')
    .description('which device runs which version, and when each was last seen')
    .requiredOption('--url <url>', 'postgres://… of an administrator')
    .action(async (opts: { url: string }, cmd: Command) => {
      const { centralDevices } = await import('./release-commands');
      const r = await centralDevices(opts.url);
      const rows = r.devices.map((d) => `${(d.branchCode ?? '-').padEnd(8)} ${d.clientId.padEnd(36)} ${(d.appVersion ?? 'unknown').padEnd(14)} ${(d.lastSeenAt ?? 'never').padEnd(24)}${d.retired ? ' retired' : d.belowMinimum ? ' below minimum' : ''}`);
      const summary = r.versions.map((v) => `${v.version}: ${v.devices}`).join(', ');
      print(cmd, [`Minimum version: ${r.minVersion ?? 'none'}; devices by version: ${summary || 'none'}`, ...rows].join('\n'), r);
    });

  program
    .command('restore <file>')
    .description('replace the database with a backup (refuses a damaged file, a newer schema, or a database in use); keeps a copy of the current one')
    .action(async (file: string, _opts, cmd: Command) => {
      const { restoreBackup } = await import('./release-commands');
      const dbFile = dbOf(cmd);
      const r = restoreBackup(dbFile, resolve(file));
      print(
        cmd,
        [
          `Restored ${dbFile} from ${r.from} (schema ${r.schema ?? 'none'})`,
          r.previousCopy ? `The database it replaced is kept at ${r.previousCopy}` : null,
          r.pending.length ? `It is migrated (${r.pending.join(', ')}) at the next start, after a backup` : null,
          'If this install syncs with a centre, the centre may hold newer changes from it: sync then says so, and `branchline branch register --again` re-registers it',
        ]
          .filter(Boolean)
          .join('\n'),
        r,
      );
    });

  const diagnostics = program.command('diagnostics').description('support information');
  diagnostics
    .command('export')
    .description('zip the logs, versions, settings (secrets removed) and sync status for support')
    .option('--out <file>', 'where to write the zip (default: next to the database, time-stamped)')
    .action(async (opts: { out?: string }, cmd: Command) => {
      const { exportDiagnosticsFor } = await import('./release-commands');
      const dbFile = dbOf(cmd);
      const out = resolve(opts.out ?? `${dbFile}.diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.zip`);
      const r = await exportDiagnosticsFor(dbFile, out);
      print(cmd, `Wrote ${r.file} (${Math.ceil(r.bytes / 1024)} KB): ${r.entries.join(', ')}`, r);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code (it never calls process.exit itself). */
export async function main(argv: string[] = process.argv, io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with code 0; the message is already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.err(`error: ${oneLine(error.message)}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${oneLine(message)}`);
    if (process.env.BRANCHLINE_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}

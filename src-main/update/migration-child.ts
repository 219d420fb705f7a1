/**
 * Test helper, run as a child process (node --import tsx): upgrades a database with
 * prepareDatabaseForStart and, inside the migration transaction, after every migration ran
 * but before COMMIT, writes a marker file and blocks so the test can kill it right there.
 */
import { writeFileSync } from 'node:fs';
import { prepareDatabaseForStart } from './safe-start';

const [dbFile, marker] = process.argv.slice(2);
if (!dbFile || !marker) throw new Error('usage: migration-child.ts DB MARKER');
await prepareDatabaseForStart({
  dbFile,
  appVersion: '9.9.9',
  hooks: {
    beforeCommit() {
      writeFileSync(marker, 'inside the migration transaction');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    },
  },
});
process.stdout.write('finished without being killed\n');

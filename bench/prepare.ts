/** Builds (or finds) the cached bench database and drops cached files of older schemas. */
import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BENCH_DIR, ensureDataset } from './lib/dataset';
import { log } from './lib/measure';

const PRODUCTS = 100_000;
const info = await ensureDataset(PRODUCTS, log);
const keep = basename(info.file);
for (const f of readdirSync(BENCH_DIR)) {
  if (/^catalog-\d+-.+\.sqlite(-wal|-shm)?$/.test(f) && !f.startsWith(keep)) rmSync(join(BENCH_DIR, f), { force: true });
  if (/^(write|whatif-list)-\d+\.sqlite/.test(f)) rmSync(join(BENCH_DIR, f), { force: true }); // left by an interrupted run
}
console.log(`dataset: ${PRODUCTS.toLocaleString('en-US')} products in ${info.file.replace(`${process.cwd()}/`, '')} (${info.built ? `built in ${(info.buildMs / 1000).toFixed(1)} s` : 'cached'})`);

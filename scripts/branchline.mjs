#!/usr/bin/env node
// The `branchline` command. Runs the TypeScript sources through tsx, so it works from a
// fresh clone without a build: `npx branchline --help`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
const code = await main(process.argv);
process.exitCode = code;
// Anything left holding the event loop (it should not) must not keep the command alive.
setTimeout(() => process.exit(code), 3_000).unref();

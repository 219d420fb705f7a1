import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

async function lint(path: string, code: string) {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'branchline/layers').map((m) => m.message);
}

describe('branchline/layers lint rule', () => {
  it('stops the engine importing electron or the renderer', async () => {
    expect(await lint('src-main/engine/catalog/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await lint('src-main/engine/catalog/x.ts', "import { A } from '../../../src-renderer/src/x';\nexport const a = A;\n")).toHaveLength(1);
    expect(await lint('src-main/engine/catalog/x.ts', "import { H } from '../../host/paths';\nexport const a = H;\n")).toHaveLength(1);
  });
  it('lets the engine import the shared contract and its own modules', async () => {
    expect(await lint('src-main/engine/catalog/x.ts', "import { contract } from '../../../src-shared/contract/index';\nimport { newId } from '../platform/ids';\nexport const a = [contract, newId];\n")).toEqual([]);
  });
  it('keeps the renderer off the main process and node', async () => {
    expect(await lint('src-renderer/src/x.ts', "import { Engine } from '../../src-main/engine/engine';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await lint('src-renderer/src/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
  });
});

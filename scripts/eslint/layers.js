// ESLint rule "branchline/layers": the import direction of the code base, enforced.
// Like VS Code's layer check, each layer may import only layers below it:
//   src-shared  <- migrations <- src-main/engine <- src-main/host, src-main/update <- src-main/cli, src-main/electron, src-main/index.ts
//   src-shared  <- src-renderer
// and the engine, shared contract and renderer never import `electron` (the engine must
// run in plain Node: tests, CLI, headless host).
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Layers, most specific first; `may` lists what a layer may import from our own code. */
const LAYERS = [
  { name: 'src-shared', may: ['src-shared'], noPackages: ['electron', 'better-sqlite3', 'pg', 'kysely', 'node:*', 'react'] },
  { name: 'migrations', may: ['migrations', 'src-shared'], noPackages: ['electron'] },
  { name: 'src-main/engine', may: ['src-main/engine', 'src-shared', 'migrations'], noPackages: ['electron', 'electron-updater', 'react', 'react-dom'] },
  { name: 'src-main/host', may: ['src-main/host', 'src-main/engine', 'src-shared', 'migrations'], noPackages: ['electron', 'electron-updater'] },
  { name: 'src-main/update', may: ['src-main/update', 'src-main/engine', 'src-shared', 'migrations'], noPackages: ['electron'] },
  { name: 'src-main/cli', may: ['src-main/cli', 'src-main/host', 'src-main/update', 'src-main/engine', 'src-shared', 'migrations'], noPackages: ['electron'] },
  { name: 'src-main', may: ['src-main', 'src-main/host', 'src-main/update', 'src-main/engine', 'src-shared', 'migrations'], noPackages: [] },
  { name: 'src-renderer', may: ['src-renderer', 'src-shared'], noPackages: ['electron', 'better-sqlite3', 'pg', 'kysely', 'node:*'] },
];

const toPosix = (p) => p.split(sep).join('/');
const layerOf = (file) => {
  const rel = toPosix(relative(ROOT, file));
  return LAYERS.find((l) => rel === l.name || rel.startsWith(`${l.name}/`) || rel === `${l.name}.ts`);
};
const matchesPackage = (source, pattern) =>
  pattern.endsWith('*') ? source.startsWith(pattern.slice(0, -1)) : source === pattern || source.startsWith(`${pattern}/`);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep imports flowing downward between Branchline layers' },
    schema: [],
    messages: {
      layer: '{{from}} may not import {{to}} (allowed: {{allowed}})',
      pkg: '{{from}} may not import "{{pkg}}": this layer must run without it',
    },
  },
  create(context) {
    const file = context.filename;
    const layer = layerOf(file);
    if (!layer) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), source));
        const targetName = target ? target.name : toPosix(relative(ROOT, resolve(dirname(file), source)));
        if (!target || !layer.may.includes(target.name)) {
          context.report({ node, messageId: 'layer', data: { from: layer.name, to: targetName, allowed: layer.may.join(', ') } });
        }
        return;
      }
      const banned = layer.noPackages.find((p) => matchesPackage(source, p));
      if (banned) context.report({ node, messageId: 'pkg', data: { from: layer.name, pkg: source } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

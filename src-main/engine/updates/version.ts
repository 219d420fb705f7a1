/**
 * Versions as Branchline ships them: semantic versions `X.Y.Z` with an optional
 * pre-release (`1.4.0-beta.2`). Ordered as semver orders them; no build metadata.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: (string | number)[];
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseVersion(text: string): Version | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  const pre = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre };
}

export function isVersion(text: string): boolean {
  return parseVersion(text) !== null;
}

function must(text: string): Version {
  const v = parseVersion(text);
  if (!v) throw new Error(`"${text}" is not a version (expected X.Y.Z or X.Y.Z-pre.N)`);
  return v;
}

/** Negative when a < b, 0 when equal, positive when a > b (semver precedence). */
export function compareVersions(a: string, b: string): number {
  const x = must(a);
  const y = must(b);
  for (const k of ['major', 'minor', 'patch'] as const) if (x[k] !== y[k]) return x[k] - y[k];
  // A release is newer than its pre-releases.
  if (x.pre.length === 0 || y.pre.length === 0) return (x.pre.length === 0 ? 1 : 0) - (y.pre.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

export const isNewer = (candidate: string, than: string) => compareVersions(candidate, than) > 0;
export const isOlder = (candidate: string, than: string) => compareVersions(candidate, than) < 0;

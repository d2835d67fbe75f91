import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) that a summary needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by package (node_modules/<name>, a workspace folder, node internals, GC, idle). */
  byPackage: { name: string; ms: number; share: number }[];
  /** Self time by function. */
  byFunction: { name: string; ms: number; share: number }[];
  /**
   * Busy time (idle, GC and program left out) by owner: node internals and native frames (a socket
   * write, a timer) are charged to the nearest package up their stack, so that a `write()` syscall
   * shows under the driver that made it. Shares are of busy time.
   */
  byOwner: { name: string; ms: number; share: number }[];
}

/** Frames that belong to no package: node's own JavaScript and native code. */
const isUnowned = (p: string) => p === 'node:internal' || p === '(native)' || p === '(anonymous)';
const NOT_BUSY = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const ws = /\/(apps|packages|bench)\/([^/]+)\//.exec(url);
  return ws ? `${ws[1]}/${ws[2]}` : url;
}

/** Self time per package and per function of a CPU profile, largest first. */
export function summarizeCpuProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const pkg = new Map<string, number>();
  const fn = new Map<string, number>();
  const owner = new Map<string, number>();
  let total = 0;
  let busy = 0;
  const ownerOf = (id: number): string => {
    const own = byId.get(id)!.callFrame;
    const first = packageOf(own.url, own.functionName);
    if (!isUnowned(first)) return first;
    // Bounded by the tree's depth.
    for (let at = parentOf.get(id), i = 0; at !== undefined && i < 10_000; at = parentOf.get(at), i++) {
      const f = byId.get(at)!.callFrame;
      const p = packageOf(f.url, f.functionName);
      if (!isUnowned(p) && p !== '(root)') return `${p} (incl. node/native under it)`;
    }
    return first;
  };
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    const p = packageOf(url, functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    const short = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${short}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    if (!NOT_BUSY.has(functionName)) {
      busy += us;
      const o = ownerOf(id).replace(' (incl. node/native under it)', '');
      owner.set(o, (owner.get(o) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>, of = total) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        share: Math.round((us / of) * 1000) / 10,
      }));
  return {
    totalMs: Math.round(total / 1000),
    byPackage: rank(pkg),
    byFunction: rank(fn),
    byOwner: rank(owner, busy),
  };
}

/** `tsx bench/lib/cpu-profile.ts <file.cpuprofile> [top]` prints the summary. */
if (process.argv[1]?.endsWith('cpu-profile.ts') && process.argv[2]) {
  const s = summarizeCpuProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total ${s.totalMs} ms\n\nby package:`);
  for (const r of s.byPackage) console.log(`${String(r.share).padStart(6)} %  ${r.name}`);
  console.log('\nby function:');
  for (const r of s.byFunction) console.log(`${String(r.share).padStart(6)} %  ${r.name}`);
  console.log(
    '\nbusy time by owner (node internals and native code charged to the package that called them):',
  );
  for (const r of s.byOwner) console.log(`${String(r.share).padStart(6)} %  ${r.name}`);
}

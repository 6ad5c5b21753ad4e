/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, one file per thread) into the top self-time functions and the
 * share per source area (engine folders, nats.js, pg, GC), idle excluded:
 *   node dist/bench/pipeline/cpu-profile-summary.js [--top 25] file.cpuprofile…
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, coarse enough to read at a glance. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(idle)') return name;
  if (url === '') return 'V8/native builtins';
  const nm = url.indexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node core';
  const src = url.indexOf('/dist/src/');
  if (src !== -1)
    return `src/${url
      .slice(src + '/dist/src/'.length)
      .split('/')
      .slice(0, -1)
      .join('/')}`;
  return 'other';
}

export function summarise(
  profile: Profile,
  top: number,
): { totalMs: number; functions: string[]; areas: string[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const name = `${functionName || '(anonymous)'} ${url === '' ? '' : `${basename(url)}:${lineNumber + 1}`}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const a = areaOf(url, functionName);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: Math.round(total / 1_000),
    functions: sorted(fn)
      .slice(0, top)
      .map(([name, us]) => `${pct(us)}  ${name}`),
    areas: sorted(area).map(([name, us]) => `${pct(us)}  ${name}`),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  for (const file of positionals) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top));
    process.stdout.write(
      `== ${basename(file)}: ${s.totalMs} ms on CPU (idle excluded)\n-- by area\n${s.areas.join('\n')}\n` +
        `-- top functions (self time)\n${s.functions.join('\n')}\n\n`,
    );
  }
}

main();

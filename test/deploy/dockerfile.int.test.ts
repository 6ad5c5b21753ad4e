/**
 * deploy/Dockerfile cannot be built here (no Docker daemon). These checks keep it to the rules —
 * multi-stage, production dependencies only, non-root, HEALTHCHECK on /health, SIGTERM reaching Node — and
 * to the README's install, so the image cannot drift from a developer's build. hadolint runs when installed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/index.js';
import { findTool, readRepoFile, repoPath, runTool } from './deploy-files.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions of a Dockerfile, continuation lines joined, comments and the parser directive dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ').replace(/\s+/g, ' ') };
    });
}

const instructions = parseDockerfile(readRepoFile('deploy/Dockerfile'));
const stageStarts = instructions.flatMap((instruction, i) => (instruction.keyword === 'FROM' ? [i] : []));
const finalStage = instructions.slice(stageStarts.at(-1));
const buildStage = instructions.slice(stageStarts[0], stageStarts.at(-1));
const runCommands = (stage: Instruction[]): string[] =>
  stage
    .filter((instruction) => instruction.keyword === 'RUN')
    .flatMap((instruction) => instruction.args.split(/\s*&&\s*/));

/** The README's install steps as scripts/bootstrap.sh runs them (`npm start` and `npm run bootstrap` call it). */
const INSTALL_COMMANDS = ['npm ci', 'npx tsc -p tsconfig.build.json'];

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on a pinned Node 20 image (and passes hadolint if installed)', () => {
    expect(stageStarts.length).toBe(2);
    for (const at of stageStarts)
      expect(instructions[at]!.args).toMatch(/^\$\{NODE_IMAGE\} AS (build|runtime)$/);
    const nodeImage = instructions.find((instruction) => instruction.keyword === 'ARG')?.args;
    expect(nodeImage).toMatch(/^NODE_IMAGE=node:20[\w.-]*$/);
    expect(nodeImage).not.toContain('latest');
    // hadolint is optional: when installed it lints the file too; the checks in this file run either way.
    const hadolint = findTool('hadolint');
    if (hadolint !== undefined) {
      const run = runTool(hadolint, [repoPath('deploy/Dockerfile')]);
      expect(run.status, run.stdout + run.stderr).toBe(0);
    }
  });

  it('runs exactly the README install in the build stage', () => {
    const commands = runCommands(buildStage);
    for (const command of INSTALL_COMMANDS) {
      expect(
        commands.some((run) => run === command || run.startsWith(`${command} `)),
        command,
      ).toBe(true);
    }
    const bootstrap = readRepoFile('scripts/bootstrap.sh');
    for (const command of INSTALL_COMMANDS) expect(bootstrap, command).toContain(command);
    expect(existsSync(repoPath('README.md')), 'README.md documents the install the image mirrors').toBe(true);
    const readme = readRepoFile('README.md');
    const readmeInstalls = INSTALL_COMMANDS.every((command) => readme.includes(command));
    const readmeRunsBootstrap = /npm start|npm run bootstrap|scripts\/bootstrap\.sh/.test(readme);
    expect(
      readmeInstalls || readmeRunsBootstrap,
      'README install = npm ci + tsc build (or bootstrap.sh)',
    ).toBe(true);
  });

  it('copies every source folder tsconfig.build.json compiles', () => {
    const tsconfig = JSON.parse(readRepoFile('tsconfig.build.json')) as { include: string[] };
    const copied = buildStage
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.args);
    for (const pattern of tsconfig.include) {
      const root = pattern.split('/')[0]!;
      expect(
        copied.some((args) => args.split(' ').includes(root)),
        `COPY ${root}`,
      ).toBe(true);
    }
    expect(copied.some((args) => args.includes('package-lock.json'))).toBe(true);
  });

  it('ships production dependencies only: pruned in the build stage, never installed in the runtime stage', () => {
    expect(runCommands(buildStage).some((run) => run.startsWith('npm prune --omit=dev'))).toBe(true);
    expect(runCommands(finalStage)).toEqual([]);
    const copies = finalStage
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.args);
    for (const copy of copies)
      expect(copy, 'the runtime stage takes only build outputs').toMatch(/^--from=build /);
    const sources = copies.map((copy) => copy.split(' ').find((word) => !word.startsWith('--')));
    expect(sources.sort()).toEqual([
      '/app/dist',
      '/app/node_modules',
      '/app/package.json',
      '/checkpoints', // an empty folder, so CHECKPOINT_DIR exists and belongs to the engine's user
    ]);
  });

  it('runs as a non-root user with a /health HEALTHCHECK, exposes 8000 and lets SIGTERM reach Node', () => {
    const last = (keyword: string) =>
      finalStage.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
    expect(last('USER')).toBe('node');
    expect(last('EXPOSE')).toBe('8000');
    expect(last('STOPSIGNAL') ?? 'SIGTERM').toBe('SIGTERM');
    expect(last('HEALTHCHECK')).toMatch(/CMD \[.*\/health'/);
    // Exec form (a JSON array): node is PID 1, no shell swallowing the signal.
    const cmd = JSON.parse(last('CMD') ?? 'null') as string[];
    expect(cmd).toEqual(['node', 'dist/src/cli/sentinel.js', 'start']);
    const pkg = JSON.parse(readRepoFile('package.json')) as { bin: Record<string, string> };
    expect(pkg.bin.sentinel).toBe(cmd[1]);
    expect(existsSync(repoPath('src/cli/sentinel.ts'))).toBe(true);
  });

  it('sets no environment variable the engine does not read (besides the C library tunable)', () => {
    const envKeys = instructions
      .filter((instruction) => instruction.keyword === 'ENV')
      .flatMap((instruction) => [...instruction.args.matchAll(/(?:^|\s)(\w+)=/g)].map((match) => match[1]!));
    // GLIBC_TUNABLES is read by glibc at process start (huge pages for the window tables), not by the engine.
    const known = [...CONFIG_KEYS, 'GLIBC_TUNABLES'] as readonly string[];
    expect(envKeys.filter((key) => !known.includes(key))).toEqual([]);
    expect(envKeys).toContain('GLIBC_TUNABLES');
  });

  it('keeps the build context small', () => {
    const ignored = readRepoFile('deploy/Dockerfile.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', '.data']) expect(ignored, entry).toContain(entry);
  });
});

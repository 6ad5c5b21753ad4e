import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMain } from '../../loadtest/lib/generate-cli.js';
import { CSV_HEADER } from '../../loadtest/lib/index.js';
import { type GroundTruth } from '../../src/traffic/index.js';

const folder = mkdtempSync(join(tmpdir(), 'sentinel-generate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await generateMain(argv, stdout.stream, stderr.stream);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const SMALL = ['--seed', '3', '--subscribers', '500', '--hours', '2', '--sdhf', '1', '--simboxes', '1'];

describe('generate CLI', () => {
  it('writes NDJSON in arrival order, the labels file, and statistics on stderr', async () => {
    const out = join(folder, 'cdrs.ndjson');
    const labelsFile = join(folder, 'labels.json');
    const result = await run([...SMALL, '--out', out, '--labels', labelsFile]);
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stderr) as {
      records: number;
      valid: number;
      bytes: number;
      recordsPerSecond: number;
    };
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(stats.records);
    expect(stats.valid).toBeGreaterThan(100);
    const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as GroundTruth;
    expect(labels.seed).toBe(3);
    expect(labels.callers.some((caller) => caller.class === 'sdhf')).toBe(true);
    // Labels never leak into the data.
    expect(readFileSync(out, 'utf8')).not.toMatch(/sdhf|simbox|patternStart/);
  });

  it('writes the same bytes for the same seed, to stdout when no --out is given', async () => {
    const first = await run(SMALL);
    const second = await run(SMALL);
    expect(first.code).toBe(0);
    expect(first.stdout.length).toBeGreaterThan(10_000);
    expect(second.stdout).toBe(first.stdout);
  });

  it('writes CSV in the upload columns', async () => {
    const result = await run([...SMALL, '--format', 'csv']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines[1]).toMatch(
      /^\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2},\+?\d+,\+?\d+,\d+,(inbound|outbound),\d+,/,
    );
  });

  it('exits 2 with the usage on bad arguments, and prints the usage for --help', async () => {
    for (const argv of [['--format', 'xml'], ['--subscribers', 'many'], ['--bogus'], ['--hours', '-1']]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage:');
    }
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--labels FILE');
  });
});

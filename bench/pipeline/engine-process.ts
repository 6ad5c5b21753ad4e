/**
 * One engine instance in its own process, for benchmarks that need the engine apart from the measuring
 * process (several instances sharing the partitions, `--cpu-prof` on its worker threads, a publisher that
 * must not share the engine's event loop). Options come as JSON in `BENCH_ENGINE_OPTIONS` (EngineOptions of
 * engine-run.ts); it prints `started` on stdout once `startService` returned, `ready` once every shard worker is
 * (state restored, caught up), and stops gracefully on SIGTERM.
 */
import { startEngine, type EngineOptions } from './engine-run.js';

async function main(): Promise<void> {
  const raw = process.env.BENCH_ENGINE_OPTIONS;
  if (raw === undefined) throw new Error('BENCH_ENGINE_OPTIONS is not set');
  const options = JSON.parse(raw) as EngineOptions;
  const service = await startEngine(options);
  process.stdout.write('started\n');
  const stopped = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  void service.whenReady().then((ready) => ready && process.stdout.write('ready\n'));
  await stopped;
  await service.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`engine process failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/**
 * The bare drain (bare-drain.ts) in a fresh Node process of its own, as the reference runs its pipeline and as
 * the engine runs in drain-ceiling.ts: the measuring process has just published the backlog and carries that
 * heap, which the ceiling must not pay for. Options come as JSON in `BENCH_BARE_OPTIONS`; it meters its own
 * CPU with nats-server's and Postgres's from `/proc` around the drain and prints one JSON line
 * `{ result, cpu }` on stdout.
 */
import { connect } from '@nats-io/transport-node';
import { cdrLayout, type CdrLayoutKind } from '../../src/stream/index.js';
import { bareDrain, type BareDrainOptions } from './bare-drain.js';
import { CpuMeter, type ProcessGroups } from './process-usage.js';

export interface BareDrainProcessOptions {
  natsUrl: string;
  layout: CdrLayoutKind;
  drain: Omit<BareDrainOptions, 'layout'>;
  groups: ProcessGroups;
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_BARE_OPTIONS;
  if (raw === undefined) throw new Error('BENCH_BARE_OPTIONS is not set');
  const options = JSON.parse(raw) as BareDrainProcessOptions;
  const nc = await connect({ servers: options.natsUrl, name: 'bare-drain' });
  try {
    const meter = new CpuMeter(options.groups);
    const result = await bareDrain(nc, {
      ...options.drain,
      layout: cdrLayout(options.layout, 'CDR', 'cdr.in'),
    });
    const cpu = meter.read();
    process.stdout.write(`${JSON.stringify({ result, cpu })}\n`);
  } finally {
    await nc.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bare drain process failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});

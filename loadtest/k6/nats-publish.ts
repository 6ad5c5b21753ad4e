/**
 * Drives NATS directly, bypassing the HTTP API: CDRs on `cdr.in.<fnv1a32(caller) mod P>` with
 * `Nats-Msg-Id` = call_id, NATS_RATE messages a second. Needs a k6 binary built with the community xk6-nats
 * extension at the version pinned in docs/loadtest.md; without one, use `dist/loadtest/publish-live.js`.
 *
 *   ./k6 run -e NATS_URL=nats://localhost:4222 -e NATS_RATE=5000 loadtest/k6/nats-publish.ts
 *   env: NATS_URL, PARTITIONS (16), SUBJECT_PREFIX (cdr.in), NATS_RATE (1000/s), NATS_DURATION (1m),
 *        NATS_MODE (core | jetstream: wait for each PubAck), NATS_MAX_VUS (20), SEED (1)
 */
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { Nats } from 'k6/x/nats';
import { cdrMessage, readNatsPlan } from './lib/nats-messages.ts';

const plan = readNatsPlan(__ENV);
const maxVUs = Number(__ENV.NATS_MAX_VUS ?? '20');
// One connection per VU (module scope runs once per VU).
const nats = new Nats({ servers: [plan.natsUrl] });

export const options: Options = {
  scenarios: {
    publish: {
      executor: 'constant-arrival-rate',
      rate: plan.rate,
      timeUnit: '1s',
      duration: plan.duration,
      preAllocatedVUs: Math.max(1, Math.min(maxVUs, 5)),
      maxVUs,
    },
  },
  thresholds: { checks: ['rate>0.99'], dropped_iterations: ['count<1'] },
};

export default function (): void {
  const message = cdrMessage(plan, exec.scenario.iterationInTest, Date.now(), exec.vu.idInTest);
  let ok = true;
  try {
    if (plan.mode === 'jetstream')
      nats.jetStreamPublishWithHeaders(message.subject, message.data, message.headers);
    else nats.publishWithHeaders(message.subject, message.data, message.headers);
  } catch {
    ok = false;
  }
  check(ok, { 'nats: published': (published) => published });
}

export function teardown(): void {
  nats.close();
}

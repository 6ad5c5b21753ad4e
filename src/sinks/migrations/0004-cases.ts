/**
 * Cases, not alert rows (docs/adr/0010-cases.md). A case is one suspect under one rule family across all
 * windows; `case_events` is its history (opened / escalated / updated / closed / reopened, each with the
 * per-window figures and thresholds frozen at that moment). The engine derives both deterministically from the
 * stream, so the sink inserts events by `event_key` (ON CONFLICT DO NOTHING) and folds each new event into its
 * case row in the same transaction as the records that caused it.
 *
 * - `cases.last_sequence` orders the fold: an event older than the row's state never overwrites it.
 * - `case_events.published_at` is the outbox: events are published on NATS after the commit and marked; a
 *   restart publishes what is still unmarked (JetStream deduplicates by `Nats-Msg-Id` = `event_key`).
 * - Review lives on the case (`verdict`); `case_suppressions` holds the false-positive suppressions that the
 *   engine receives with its rule settings.
 * - `fraud_alerts` stays: it is the window-level detection log existing subscribers and auditors know.
 */
import type { Migration } from './migration-list.js';

const sql = /* sql */ `
CREATE TABLE cases (
  id                     bigserial   PRIMARY KEY,
  case_key               text        NOT NULL UNIQUE,
  rule                   text        NOT NULL,
  alert_type             text        NOT NULL,
  detection_rule         text        NOT NULL,
  suspect_number         text        NOT NULL,
  status                 text        NOT NULL CHECK (status IN ('open', 'closed')),
  severity               text        NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  peak_severity          text        NOT NULL CHECK (peak_severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  trigger_window_seconds integer     NOT NULL,
  -- The trigger window's figures at the last event (the seed's field names, for GET /alerts).
  call_count             integer     NOT NULL,
  unique_destinations    integer     NOT NULL,
  avg_duration_seconds   double precision NOT NULL,
  evidence_summary       text        NOT NULL,
  -- Latest and peak evidence: { windows, calleeSample, thresholds } as in the case event.
  evidence               jsonb       NOT NULL,
  peak_evidence          jsonb       NOT NULL,
  -- Event time (the CDRs' clock), not wall time.
  opened_at              timestamptz NOT NULL,
  first_event_at         timestamptz,
  last_event_at          timestamptz NOT NULL,
  closed_at              timestamptz,
  reopen_count           integer     NOT NULL DEFAULT 0,
  event_count            integer     NOT NULL DEFAULT 0,
  last_sequence          integer     NOT NULL,
  stream_partition       smallint    NOT NULL,
  -- Wall time.
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  reviewed               boolean     NOT NULL DEFAULT false,
  verdict                text        CHECK (verdict IN ('fraud', 'false_positive', 'inconclusive')),
  reviewer_notes         text,
  reviewed_by            text,
  reviewed_at            timestamptz,
  auto_aged              boolean     NOT NULL DEFAULT false
);
CREATE INDEX cases_newest_idx ON cases (created_at DESC, id DESC);
-- The triage queue and the backlog gauge: open, unreviewed cases.
CREATE INDEX cases_unreviewed_idx ON cases (severity, created_at DESC, id DESC) WHERE NOT reviewed;
CREATE INDEX cases_suspect_idx ON cases (suspect_number, created_at DESC);

CREATE TABLE case_events (
  id                     bigserial   PRIMARY KEY,
  event_key              text        NOT NULL UNIQUE,
  case_key               text        NOT NULL,
  sequence               integer     NOT NULL,
  kind                   text        NOT NULL CHECK (kind IN ('opened', 'escalated', 'updated', 'closed', 'reopened')),
  severity               text        NOT NULL,
  peak_severity          text        NOT NULL,
  trigger_window_seconds integer     NOT NULL,
  at                     timestamptz NOT NULL,
  windows                jsonb       NOT NULL,
  callee_sample          jsonb       NOT NULL,
  thresholds             jsonb       NOT NULL,
  evidence_summary       text        NOT NULL,
  stream_partition       smallint    NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  published_at           timestamptz
);
CREATE UNIQUE INDEX case_events_history_idx ON case_events (case_key, sequence);
CREATE INDEX case_events_unpublished_idx ON case_events (stream_partition, id) WHERE published_at IS NULL;
CREATE INDEX case_events_created_idx ON case_events (created_at);

CREATE TABLE case_suppressions (
  suspect_number text        PRIMARY KEY,
  until          timestamptz NOT NULL,
  case_id        bigint,
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
`;

export const cases: Migration = { version: 4, name: 'cases', sql };

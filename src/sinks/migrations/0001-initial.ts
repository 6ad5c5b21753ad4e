/**
 * The first schema. Column names of `call_records` and `fraud_alerts` keep the predecessor's (caller_number,
 * duration_seconds, alert_severity, ...) so its SQL and its operators' habits still work; see
 * docs/adr/0004-postgres-schema-and-exactly-once.md for the index choices and their measured COPY cost.
 */
import type { Migration } from './migration-list.js';

const sql = /* sql */ `
CREATE TABLE call_records (
  call_id           text        NOT NULL,
  caller_number     text        NOT NULL,
  callee_number     text        NOT NULL,
  start_time        timestamptz NOT NULL,
  duration_seconds  integer     NOT NULL,
  answered          boolean,
  call_direction    text,
  termination_cause smallint,
  location_code     text,
  imsi              text,
  imei              text,
  switch_id         text,
  trunk_in          text,
  trunk_out         text,
  stream_partition  smallint    NOT NULL,
  stream_seq        bigint      NOT NULL,
  late              boolean     NOT NULL DEFAULT false,
  ingested_at       timestamptz NOT NULL DEFAULT now(),
  -- The predecessor's name for the call start; its detection SQL filters on it.
  call_timestamp    timestamptz GENERATED ALWAYS AS (start_time) STORED
) PARTITION BY RANGE (start_time);

-- Rows arrive roughly in time order, so a BRIN summary is tiny and costs COPY almost nothing. No global
-- unique index: exactly-once comes from sink_offsets, not from a btree on call_id.
CREATE INDEX call_records_start_time_brin ON call_records USING brin (start_time);

CREATE TABLE fraud_alerts (
  id                   bigserial   PRIMARY KEY,
  alert_key            text        NOT NULL UNIQUE,
  episode_key          text        NOT NULL,
  alert_type           text        NOT NULL,
  detection_rule       text        NOT NULL,
  rule                 text        NOT NULL,
  window_seconds       integer,
  suspect_number       text        NOT NULL,
  alert_severity       text        NOT NULL CHECK (alert_severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  evidence_summary     text,
  call_count           integer,
  unique_destinations  integer,
  avg_duration_seconds double precision,
  window_start         timestamptz,
  window_end           timestamptz,
  first_event_at       timestamptz,
  last_event_at        timestamptz,
  event_to_alert_ms    integer,
  reason               text,
  source               text        NOT NULL DEFAULT 'stream' CHECK (source IN ('stream', 'detect')),
  created_at           timestamptz NOT NULL DEFAULT now(),
  reviewed             boolean     NOT NULL DEFAULT false,
  reviewer_notes       text,
  reviewed_by          text,
  reviewed_at          timestamptz
);
-- Newest first with a (created_at, id) cursor.
CREATE INDEX fraud_alerts_newest_idx ON fraud_alerts (created_at DESC, id DESC);
-- The triage queue: unreviewed, by severity, newest first; also counts the unreviewed backlog.
CREATE INDEX fraud_alerts_unreviewed_idx ON fraud_alerts (alert_severity, created_at DESC, id DESC) WHERE NOT reviewed;
CREATE INDEX fraud_alerts_suspect_idx ON fraud_alerts (suspect_number, created_at DESC);
CREATE INDEX fraud_alerts_rule_idx ON fraud_alerts (rule, created_at DESC);
CREATE INDEX fraud_alerts_episode_idx ON fraud_alerts (episode_key);

CREATE TABLE dead_letters (
  id               bigserial   PRIMARY KEY,
  received_at      timestamptz NOT NULL DEFAULT now(),
  reason           text        NOT NULL,
  field            text,
  message          text,
  subject          text,
  stream_partition smallint,
  stream_seq       bigint,
  raw              bytea
);
CREATE INDEX dead_letters_reason_idx ON dead_letters (reason, id DESC);

-- Highest stream sequence committed per consumer and partition: the exactly-once ledger.
CREATE TABLE sink_offsets (
  consumer   text        NOT NULL,
  partition  integer     NOT NULL,
  last_seq   bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, partition)
);

-- Run-time settings (thresholds) and the allowlist, written by the API.
CREATE TABLE rule_settings (
  name       text        PRIMARY KEY,
  value      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

CREATE TABLE allowlist (
  entry      text        PRIMARY KEY,
  note       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text
);
`;

export const initialSchema: Migration = { version: 1, name: 'initial-schema', sql };

/** TypeBox schemas of cases, their evidence and their history (GET /alerts, GET /alerts/{id}/events). */
import { Type } from '@fastify/type-provider-typebox';
import { NullableTimestamp, SeverityName, Timestamp } from './common-schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const VerdictName = Type.Union(
  [Type.Literal('fraud'), Type.Literal('false_positive'), Type.Literal('inconclusive')],
  { description: 'The reviewer’s verdict' },
);

export const CaseStatusName = Type.Union([Type.Literal('open'), Type.Literal('closed')]);

const STATUS = '(open|closed)';
export const CaseStatusList = Type.String({
  pattern: `^${STATUS}(,${STATUS})*$`,
  description: '`open`, `closed` or `open,closed`',
});
const VERDICT = '(fraud|false_positive|inconclusive)';
export const VerdictList = Type.String({
  pattern: `^${VERDICT}(,${VERDICT})*$`,
  description: 'One verdict or a comma-separated list: fraud, false_positive, inconclusive',
});

export const WindowEvidenceSchema = Type.Object(
  {
    window_seconds: Type.Integer(),
    call_count: Type.Integer(),
    unique_destinations: Type.Integer(),
    total_duration_seconds: Type.Number(),
    avg_duration_seconds: Type.Number(),
    first_event_at: NullableTimestamp,
    last_event_at: NullableTimestamp,
    severity: Type.Union([SeverityName, Type.Null()], {
      description: 'The rule’s severity in this window at that moment; null when unmet there',
    }),
  },
  { description: 'One window’s figures at the moment of a case event' },
);

export const ThresholdEvidenceSchema = Type.Object(
  {
    window_seconds: Type.Integer(),
    min_unique_destinations: Type.Number(),
    max_avg_duration_seconds: Type.Number(),
  },
  { description: 'A threshold in force when the event was emitted' },
);

export const EvidenceSchema = Type.Object(
  {
    windows: Type.Array(WindowEvidenceSchema, { description: 'Every engine window, shortest first' }),
    callee_sample: Type.Array(Type.String(), {
      description: 'Up to 20 distinct callees of the trigger window, newest first',
    }),
    callee_prefixes: Type.Array(Type.Object({ prefix: Type.String(), count: Type.Integer() }), {
      description: 'The sample grouped by its first 6 digits, most frequent first',
    }),
    thresholds: Type.Array(ThresholdEvidenceSchema),
  },
  { description: 'Evidence frozen at an event: later threshold changes never rewrite it' },
);

export const CaseSchema = Type.Object(
  {
    id: Type.Integer(),
    case_key: Type.String({ description: 'Deterministic: `rule:suspect:openedAtMs` of its first opening' }),
    alert_type: Type.String({ examples: ['SDHF_SIMBOX'] }),
    detection_rule: Type.String({ examples: ['SDHF_001'] }),
    rule: Type.String({ examples: ['sdhf'] }),
    suspect_number: Type.String(),
    status: CaseStatusName,
    alert_severity: SeverityName,
    peak_severity: SeverityName,
    evidence_summary: Type.String(),
    call_count: Type.Integer({ description: 'Trigger window, at the last event' }),
    unique_destinations: Type.Integer({ description: 'Trigger window, at the last event' }),
    avg_duration_seconds: Type.Number({ description: 'Trigger window, at the last event' }),
    trigger_window_seconds: Type.Integer({ description: 'The window that decided the last event' }),
    evidence: EvidenceSchema,
    peak_evidence: EvidenceSchema,
    opened_at: Timestamp,
    first_event_at: NullableTimestamp,
    last_event_at: Timestamp,
    closed_at: NullableTimestamp,
    reopen_count: Type.Integer(),
    event_count: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
    reviewed: Type.Boolean(),
    verdict: Type.Union([VerdictName, Type.Null()]),
    reviewer_notes: Nullable(Type.String()),
    reviewed_by: Nullable(Type.String()),
    reviewed_at: NullableTimestamp,
    auto_aged: Type.Boolean({ description: 'Reviewed by the LOW-case auto-aging policy, not a person' }),
  },
  { description: 'One case: a suspect under one rule family across all windows (event times are CDR time)' },
);

export const CaseEventSchema = Type.Object(
  {
    id: Type.Integer(),
    event_key: Type.String(),
    case_key: Type.String(),
    sequence: Type.Integer({ description: '0 for opened, then 1, 2, … in event-time order' }),
    kind: Type.String({ description: 'opened, escalated, updated, closed or reopened' }),
    severity: SeverityName,
    peak_severity: SeverityName,
    trigger_window_seconds: Type.Integer(),
    at: Timestamp,
    windows: Type.Array(WindowEvidenceSchema),
    callee_sample: Type.Array(Type.String()),
    thresholds: Type.Array(ThresholdEvidenceSchema),
    evidence_summary: Type.String(),
    created_at: Timestamp,
    published_at: NullableTimestamp,
  },
  { description: 'One entry of a case’s history' },
);

/** The HTTP API's public surface: the server builder, the engine port it needs, and its background jobs. */
export { buildApiServer, API_PREFIX } from './api-server.js';
export type { ApiServerDeps } from './api-server.js';
export type {
  CallerView,
  CallerWindowView,
  EngineHealth,
  EnginePort,
  FeedAlert,
  RuleSettingsDoc,
  WorkerHealth,
} from './engine-port.js';
export {
  ApiConfigError,
  ApiError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationFailedError,
} from './api-errors.js';
export type { ApiBodyError } from './api-errors.js';
export { hashApiKey } from './auth/api-key-verifier.js';
export type { Principal } from './auth/principal.js';
export { ageLowCases, startLowAlertAging, AUTO_AGING_REVIEWER } from './jobs/low-alert-aging.js';
export type { LowAlertAgingOptions, RepeatingTimer } from './jobs/low-alert-aging.js';
export { startUnreviewedGauge } from './jobs/unreviewed-gauge.js';
export { ROLES, roleAtLeast } from './auth/roles.js';
export type { Role } from './auth/roles.js';
export { ROUTE_ROLES, minimumRole } from './auth/route-roles.js';
export type { RegisteredRoute } from './api-server.js';
export { defaultRuleSettings, loadRuleSettings } from './store/rules-store.js';
export { riskLevel, riskScore, RISK_LEVELS } from './risk-score.js';
export type { RiskInputs, RiskLevel } from './risk-score.js';
export { maskForLog } from './log-masking.js';

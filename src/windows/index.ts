export { SEVERITIES, toAlertMessage } from './alert-types.js';
export type { AlertEvent, AlertMessage, Severity } from './alert-types.js';

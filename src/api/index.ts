/** The HTTP API's public surface: the server builder, the engine port it needs, and its background jobs. */
export type {
  CallerView,
  CallerWindowView,
  EngineHealth,
  EnginePort,
  RuleSettingsDoc,
  WorkerHealth,
} from './engine-port.js';

/** The engine's public surface: what hosts (Electron worker, headless host, CLI, tests) may use. */
export { Engine, HANDLERS, type Caller, type EngineEvent, type EngineOptions } from './engine';
export { openSqlite, openPostgres, type AnyDatabase, type BranchDatabase, type CentralDatabase } from './platform/db';
export { migrateToLatest, currentSchema, assertNotNewer } from './platform/migrate';
export { DomainError } from './platform/errors';

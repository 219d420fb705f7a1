/** Moved to the engine layer (src-main/engine/updates) so the engine's Updates methods can use it; re-exported here. */
export * from '../engine/updates/version';

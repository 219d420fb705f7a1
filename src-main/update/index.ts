/** The update layer: packaging-time and run-time update logic, free of Electron. */
export * from './activity';
export * from './central-admin';
export * from './controller';
export * from './diagnostics';
export * from './policy';
export * from './release';
export * from './safe-start';
export * from './settings';
export * from './update-server';
export * from './version';

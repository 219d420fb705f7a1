// Loads the TypeScript worker entry through tsx, for the CLI and tests that run from source.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');

/**
 * Names shared by the main process and the preload. No imports: the sandboxed preload
 * bundles this file and may load nothing but `electron`.
 */

/** The one invoke channel the renderer may use. */
export const RPC_CHANNEL = 'branchline:rpc';
/** Engine events pushed from main to the window. */
export const EVENT_CHANNEL = 'branchline:event';

/** The UI is served from app://branchline/ (a privileged, standard, secure scheme). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'branchline';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/`;

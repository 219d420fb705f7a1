/**
 * Preload (sandboxed, CommonJS: out/preload/index.cjs). Exposes window.branchline =
 * { rpc, onEvent } and nothing else; see src-main/electron/preload-api.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBranchlineBridge } from './electron/preload-api';

exposeBranchlineBridge({ contextBridge, ipcRenderer });

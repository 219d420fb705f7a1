/**
 * The slice of the `electron` module the main-process wiring uses. Type-only: nothing
 * here loads Electron, so tests hand the wiring fakes and the CLI/host never touch it.
 */
import type * as Electron from 'electron';

export type ElectronMain = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'protocol' | 'session' | 'shell' | 'dialog'>;
export type ElectronPreload = Pick<typeof Electron, 'contextBridge' | 'ipcRenderer'>;

export type WebContents = Electron.WebContents;
export type BrowserWindow = Electron.BrowserWindow;
export type IpcMainInvokeEvent = Electron.IpcMainInvokeEvent;
export type Session = Electron.Session;
export type Protocol = Electron.Protocol;
export type Shell = Electron.Shell;

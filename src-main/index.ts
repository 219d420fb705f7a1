// Placeholder; the Electron main process is wired in src-main/electron/.
export {};

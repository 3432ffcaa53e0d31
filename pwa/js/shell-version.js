// Served by the app server with a digest of the shell's files in place of this (server/web.py); this
// copy is what the Node tests import.
export const VERSION = "dev";

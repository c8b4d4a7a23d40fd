// Replaced at bundle time by build/bundleMain.mjs (esbuild `define`).
declare const HOPLINE_VERSION: string;

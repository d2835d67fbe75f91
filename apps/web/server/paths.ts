import { fileURLToPath } from 'node:url';

/** The output of `vite build`. */
export const DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));

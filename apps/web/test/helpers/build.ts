import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { compressAssets } from '../../scripts/compress-assets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The pages built from the current source into a directory of the test's own, so that a test never
 * serves a stale `dist/` and never collides with `scripts/start.sh` building the real one.
 */
export async function buildPagesForTest(): Promise<{ distDir: string; remove(): Promise<void> }> {
  const distDir = await mkdtemp(join(tmpdir(), 'concert-web-'));
  await build({ root: ROOT, logLevel: 'error', build: { outDir: distDir, emptyOutDir: true } });
  await compressAssets(distDir);
  return { distDir, remove: () => rm(distDir, { recursive: true, force: true }) };
}

// After `vite build` (`pnpm --filter @concert/web build`): the compressed copies, and their sizes.
import { DIST_DIR } from '../server/paths.ts';
import { compressAssets } from './compress-assets.ts';

const assets = await compressAssets(DIST_DIR);
for (const a of assets) {
  console.log(
    `${a.file.padEnd(34)} ${String(a.bytes).padStart(7)} B   gzip ${String(a.gzip).padStart(6)} B   brotli ${String(a.brotli).padStart(6)} B`,
  );
}

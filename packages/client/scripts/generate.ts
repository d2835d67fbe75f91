// Regenerates the typed client from the services' OpenAPI documents:
//   src/generated/<service>.openapi.json  the document each service serves at /docs/json
//   src/generated/<service>.ts            its types (openapi-typescript), used by openapi-fetch
// `pnpm --filter @concert/client generate` writes them; `-- --check` only compares and exits 1 on drift.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderClientFiles } from './render.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const isCheck = process.argv.includes('--check');
const files = await renderClientFiles();
const drifted: string[] = [];
for (const [path, contents] of Object.entries(files)) {
  const current = await readFile(`${root}/${path}`, 'utf8').catch(() => null);
  if (current === contents) continue;
  drifted.push(path);
  if (!isCheck) await writeFile(`${root}/${path}`, contents);
}
if (isCheck && drifted.length > 0) {
  console.error(
    `client: out of date with the services: ${drifted.join(', ')}; run pnpm --filter @concert/client generate`,
  );
  process.exit(1);
}
console.log(drifted.length === 0 ? 'client: up to date' : `client: wrote ${drifted.join(', ')}`);

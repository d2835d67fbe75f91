// After `vite build`: a .br and a .gz beside every text asset, which the server sends to browsers
// that accept them (@fastify/static preCompressed), and the sizes a fan's phone downloads.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { DIST_DIR } from '../server/paths.ts';

const TEXT = /\.(js|css|html|svg|json)$/;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

const rows: string[] = [];
for (const file of (await listFiles(DIST_DIR)).filter((f) => TEXT.test(f)).sort()) {
  const raw = await readFile(file);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  await writeFile(`${file}.gz`, gz);
  await writeFile(`${file}.br`, br);
  rows.push(
    `${relative(DIST_DIR, file).padEnd(40)} ${String(raw.length).padStart(8)} B  gzip ${String(gz.length).padStart(7)} B  brotli ${String(br.length).padStart(7)} B`,
  );
}
console.log(rows.join('\n'));

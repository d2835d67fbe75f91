import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { renderClientFiles } from '../scripts/render.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// The committed documents and types are what the services serve today: a route or schema changed
// without `pnpm --filter @concert/client generate` fails here, naming the file.
it('matches the OpenAPI documents the services serve now', async () => {
  const files = await renderClientFiles();
  expect(Object.keys(files).sort()).toEqual([
    'src/generated/booking.openapi.json',
    'src/generated/booking.ts',
    'src/generated/gateway.openapi.json',
    'src/generated/gateway.ts',
  ]);
  for (const [path, contents] of Object.entries(files)) {
    const committed = await readFile(`${root}/${path}`, 'utf8');
    expect(committed === contents, `${path} is out of date: run pnpm --filter @concert/client generate`).toBe(
      true,
    );
  }
});

// Runs `prisma generate` for prisma/schema.prisma: `pnpm --filter @concert/db generate`.
//
// The Prisma CLI downloads its native schema engine at start-up, even for `generate`, which never
// runs it; on machines that reach no download host that start-up fails. Naming any existing
// executable in PRISMA_SCHEMA_ENGINE_BINARY skips the download, so this script names the Node binary
// itself unless the caller already chose one. Generation then works offline.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const prismaCli = join(
  dirname(createRequire(import.meta.url).resolve('prisma/package.json')),
  'build',
  'index.js',
);

const result = spawnSync(
  process.execPath,
  [prismaCli, 'generate', '--config', join(repoRoot, 'prisma.config.ts'), ...process.argv.slice(2)],
  {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      // The CLI's update check is a network call that can only time out here.
      CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? '1',
    },
  },
);
if (result.error) throw result.error;
process.exitCode = result.status ?? 1;

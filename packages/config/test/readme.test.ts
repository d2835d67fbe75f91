// The root README's configuration table is written by hand; this test holds it to the schemas, both
// ways: every variable a schema reads is in the table for the same services with the same default,
// and the table names nothing the schemas do not read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { bookingSchema } from '../src/booking.ts';
import { DEFAULT_DATABASE_SERVER_URL } from '../src/database.ts';
import { gatewaySchema } from '../src/gateway.ts';
import { webSchema } from '../src/web.ts';

const schemas: Record<string, z.ZodObject> = {
  gateway: gatewaySchema,
  'booking-api': bookingSchema,
  web: webSchema,
};
const services = Object.keys(schemas);

/** How the table's "service" column names groups of services. */
const serviceGroups: Record<string, string[]> = {
  both: ['gateway', 'booking-api'],
  all: services,
};

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The default a field takes when its variable is unset, in the table's words. */
function describeDefault(field: z.ZodType): string {
  const parsed = field.safeParse(undefined);
  if (!parsed.success) return 'required';
  if (parsed.data === undefined) return 'unset';
  if (parsed.data === '') return 'empty';
  return String(parsed.data);
}

/** `service:VARIABLE` → default, for every variable every schema reads. */
function defaultsFromSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [service, schema] of Object.entries(schemas)) {
    for (const [name, field] of Object.entries(schema.shape)) {
      out[`${service}:${name}`] = describeDefault(field as z.ZodType);
    }
  }
  return out;
}

/** The first value of a default cell: `a backticked value`, or the first word (unset, empty, 500). */
function readValue(text: string): string {
  const quoted = /^`([^`]*)`/.exec(text);
  if (quoted) return quoted[1] as string;
  const word = /^[^\s(:,]+/.exec(text);
  if (!word) throw new Error(`cannot read a default from ${JSON.stringify(text)}`);
  return word[0];
}

/** The rows of the Configuration section's tables. */
function readTable(markdown: string): string[][] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(markdown);
  if (!section) throw new Error('README.md has no "## Configuration" section');
  return (section[1] as string)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .replace(/^\|\s*/, '')
        .replace(/\s*\|$/, '')
        .split(/\s+\|\s+/),
    );
}

/** `service:VARIABLE` → default, as the README's table states them. */
function defaultsFromReadme(markdown: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cells of readTable(markdown)) {
    if (cells.length !== 4) throw new Error(`a row without 4 cells: ${cells.join(' | ')}`);
    const [variableCell, serviceCell, , defaultCell] = cells as [string, string, string, string];
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(variableCell)?.[1];
    if (name === undefined) throw new Error(`not a variable name: ${variableCell}`);
    const rowServices = serviceGroups[serviceCell] ?? serviceCell.split(/,\s*/);
    for (const service of rowServices) {
      if (!services.includes(service)) throw new Error(`${name}: unknown service ${JSON.stringify(service)}`);
    }
    // Either one default for every service of the row, or `gateway 3000, booking-api 3001`.
    const parts = defaultCell.split(/,\s*/).map((part) => /^([a-z-]+) (\S+)$/.exec(part));
    const perService = parts.every((m) => m !== null && services.includes(m[1] as string))
      ? new Map(parts.map((m) => [m?.[1] as string, m?.[2] as string]))
      : undefined;
    for (const service of rowServices) {
      const key = `${service}:${name}`;
      if (key in out) throw new Error(`${name} is in the table twice for ${service}`);
      const value = perService ? perService.get(service) : readValue(defaultCell);
      if (value === undefined) throw new Error(`${name}: no default given for ${service}`);
      out[key] = value;
    }
  }
  return out;
}

describe("the README's configuration table", () => {
  it('names every variable of every schema, for the same services, with the same default', () => {
    const fromReadme = defaultsFromReadme(readme);
    const fromSchemas = defaultsFromSchemas();
    // A precondition that can fail: the table was found and read.
    expect(Object.keys(fromReadme).length).toBeGreaterThanOrEqual(40);
    expect(fromReadme).toEqual(fromSchemas);
  });

  it('gives the default test server, which the tests read outside the schemas', () => {
    const section = /^## Configuration\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    expect(section).toContain(
      `\`TEST_DATABASE_URL\` (the server without a database; default \`${DEFAULT_DATABASE_SERVER_URL}\`)`,
    );
  });

  it('fails on a wrong default, a missing row and a row no schema reads', () => {
    const row = (name: string) => new RegExp(`^\\| \`${name}\` \\|.*$\\n`, 'm');
    const wrongDefault = readme.replace(/^(\| `HOLD_TTL_SECONDS` \|.*\| )300 \|$/m, '$1301 |');
    const missingRow = readme.replace(row('JOURNAL_READ_COUNT'), '');
    const extraRow = readme.replace(
      row('LOG_LEVEL'),
      (line) => `${line}| \`NOT_READ\` | web | nothing | 1 |\n`,
    );
    for (const changed of [wrongDefault, missingRow, extraRow]) {
      expect(changed).not.toBe(readme);
      expect(defaultsFromReadme(changed)).not.toEqual(defaultsFromSchemas());
    }
  });
});

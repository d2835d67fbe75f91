// Without Prisma's schema engine nothing else checks that prisma/schema.prisma and the hand-written
// migrations agree. This test migrates a fresh database and compares its information_schema with
// the data model that Prisma derives from schema.prisma (the same DMMF that `prisma generate` uses),
// so an edit to either side without the other fails here.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getDMMF } from '@prisma/get-dmmf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/migrate.ts';
import { dropDatabase, getTestDatabaseUrl, queryDatabase } from './helpers.ts';

type Document = Exclude<ReturnType<typeof getDMMF>, { reason: string }>;
type Datamodel = Document['datamodel'];
type Model = Datamodel['models'][number];
type Field = Model['fields'][number];

const SCHEMA_PATH = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

// What schema.prisma cannot say, and the migrations add by hand. Each entry is checked to exist, and
// anything of these kinds that is not listed is drift.
const GENERATED_COLUMNS: Record<string, { mustMention: string[]; mustNotMention: string[] }> = {
  // At most one live (PROGRESS or COMPLETED) reservation per seat, through its UNIQUE index.
  'Reservation.live_seat_id': {
    mustMention: ['status', 'seat_id', 'PROGRESS', 'COMPLETED'],
    mustNotMention: ['EXPIRED'],
  },
};
const CHECK_CONSTRAINTS: Record<string, { table: string; mustMention: string[] }> = {
  Balance_value_check: { table: 'Balance', mustMention: ['value', '>=', '0'] },
};

const GENERATED_EXTRA = /\b(STORED|VIRTUAL|PERSISTENT) GENERATED\b/i;

interface ColumnShape {
  type: string;
  nullable: boolean;
  autoIncrement: boolean;
  default: string | null;
}

interface IndexShape {
  name: string;
  unique: boolean;
  columns: string[];
}

interface ForeignKeyShape {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

const url = getTestDatabaseUrl('drift');
let datamodel: Datamodel;

beforeAll(async () => {
  const dmmf = getDMMF({ datamodel: await readFile(SCHEMA_PATH, 'utf8') });
  if ('reason' in dmmf) throw dmmf.error;
  datamodel = dmmf.datamodel;
  await dropDatabase(url);
  await applyMigrations(url);
});

afterAll(async () => {
  await dropDatabase(url);
});

describe('schema.prisma and the migrations', () => {
  it('have the same tables', async () => {
    const rows = await queryDatabase<{ name: string }>(
      url,
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations'`,
    );
    expect(rows.map((row) => row.name).sort()).toEqual(datamodel.models.map(tableOf).sort());
  });

  it('store every table in InnoDB with utf8mb4', async () => {
    const rows = await queryDatabase<{ name: string; engine: string; collation: string }>(
      url,
      `SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
    );
    for (const row of rows) {
      expect({ table: row.name, engine: row.engine, utf8mb4: row.collation.startsWith('utf8mb4_') }).toEqual({
        table: row.name,
        engine: 'InnoDB',
        utf8mb4: true,
      });
    }
  });

  it('have the same columns, types, nullability and defaults', async () => {
    const rows = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, DATETIME_PRECISION,
              IS_NULLABLE, COLUMN_DEFAULT, EXTRA
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations'`,
    );
    const actual: Record<string, ColumnShape> = {};
    for (const row of rows) {
      actual[`${row.TABLE_NAME}.${row.COLUMN_NAME}`] = describeDatabaseColumn(row);
    }
    const expected: Record<string, ColumnShape> = {};
    for (const model of datamodel.models) {
      for (const field of model.fields) {
        if (field.kind === 'object') continue;
        expected[`${tableOf(model)}.${columnOf(field)}`] = describePrismaColumn(field, datamodel);
      }
    }
    expect(sortKeys(actual)).toEqual(sortKeys(expected));
  });

  it('have the same primary keys, unique constraints and indexes, with the same names and columns', async () => {
    const rows = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations'
        ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    const actual: Record<string, IndexShape[]> = {};
    const byName = new Map<string, IndexShape>();
    for (const row of rows) {
      const table = String(row.TABLE_NAME);
      const key = `${table}.${row.INDEX_NAME}`;
      let index = byName.get(key);
      if (!index) {
        index = { name: String(row.INDEX_NAME), unique: Number(row.NON_UNIQUE) === 0, columns: [] };
        byName.set(key, index);
        actual[table] = [...(actual[table] ?? []), index];
      }
      index.columns.push(String(row.COLUMN_NAME));
    }

    const expected: Record<string, IndexShape[]> = {};
    for (const index of datamodel.indexes) {
      const model = findModel(datamodel, index.model);
      const table = tableOf(model);
      const columns = index.fields.map((indexField) => columnOf(findField(model, indexField.name)));
      const name =
        index.type === 'id'
          ? 'PRIMARY'
          : (index.dbName ?? defaultConstraintName(table, columns, index.type === 'unique' ? 'key' : 'idx'));
      if (index.type === 'fulltext')
        throw new Error('fulltext indexes are not compared yet: extend this test');
      expected[table] = [...(expected[table] ?? []), { name, unique: index.type !== 'normal', columns }];
    }
    expect(sortIndexes(actual)).toEqual(sortIndexes(expected));
  });

  it('have the same foreign keys, with the same referential actions', async () => {
    const rows = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
              r.DELETE_RULE, r.UPDATE_RULE
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          AND r.TABLE_NAME = k.TABLE_NAME
        WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
        ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    );
    const actual: Record<string, ForeignKeyShape> = {};
    for (const row of rows) {
      const key = `${row.TABLE_NAME}.${row.CONSTRAINT_NAME}`;
      const fk = actual[key] ?? {
        name: String(row.CONSTRAINT_NAME),
        columns: [],
        referencedTable: String(row.REFERENCED_TABLE_NAME),
        referencedColumns: [],
        onDelete: String(row.DELETE_RULE),
        onUpdate: String(row.UPDATE_RULE),
      };
      actual[key] = fk;
      fk.columns.push(String(row.COLUMN_NAME));
      fk.referencedColumns.push(String(row.REFERENCED_COLUMN_NAME));
    }

    const expected: Record<string, ForeignKeyShape> = {};
    for (const model of datamodel.models) {
      for (const field of model.fields) {
        if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
        const target = findModel(datamodel, field.type);
        const columns = field.relationFromFields.map((name) => columnOf(findField(model, name)));
        const name = defaultConstraintName(tableOf(model), columns, 'fkey');
        // Prisma's defaults when @relation names no action.
        const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
        const onUpdate = field.relationOnUpdate ?? 'Cascade';
        expected[`${tableOf(model)}.${name}`] = {
          name,
          columns,
          referencedTable: tableOf(target),
          referencedColumns: (field.relationToFields ?? []).map((to) => columnOf(findField(target, to))),
          onDelete: toSqlAction(onDelete),
          onUpdate: toSqlAction(onUpdate),
        };
      }
    }
    expect(sortKeys(actual)).toEqual(sortKeys(expected));
  });

  it('have exactly the hand-written generated columns, which schema.prisma models as plain optional fields', async () => {
    const rows = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT TABLE_NAME, COLUMN_NAME, EXTRA, GENERATION_EXPRESSION
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE()`,
    );
    const generated = rows.filter((row) => GENERATED_EXTRA.test(String(row.EXTRA)));
    const actual = Object.fromEntries(
      generated.map((row) => [
        `${row.TABLE_NAME}.${row.COLUMN_NAME}`,
        { extra: String(row.EXTRA).toUpperCase() },
      ]),
    );
    expect(Object.keys(actual).sort()).toEqual(Object.keys(GENERATED_COLUMNS).sort());
    for (const row of generated) {
      const key = `${row.TABLE_NAME}.${row.COLUMN_NAME}`;
      const rule = GENERATED_COLUMNS[key];
      if (!rule) continue;
      // STORED, not VIRTUAL: both servers can index either, but only a stored column is written once.
      expect(actual[key]?.extra).toContain('STORED GENERATED');
      const expression = String(row.GENERATION_EXPRESSION);
      for (const word of rule.mustMention) expect(expression, key).toContain(word);
      for (const word of rule.mustNotMention) expect(expression, key).not.toContain(word);

      // The model must expose it as an optional field, since the column is NULL for dead rows.
      const [table, column] = key.split('.');
      const model = datamodel.models.find((candidate) => tableOf(candidate) === table);
      const field = model?.fields.find(
        (candidate) => candidate.kind !== 'object' && columnOf(candidate) === column,
      );
      expect(field?.isRequired, key).toBe(false);
    }
  });

  it('have exactly the hand-written CHECK constraints', async () => {
    // MySQL's information_schema.CHECK_CONSTRAINTS has no table name, so join TABLE_CONSTRAINTS.
    const rows = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT t.TABLE_NAME, t.CONSTRAINT_NAME, c.CHECK_CLAUSE
         FROM information_schema.TABLE_CONSTRAINTS t
         JOIN information_schema.CHECK_CONSTRAINTS c
           ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME
        WHERE t.TABLE_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE = 'CHECK'`,
    );
    expect(rows.map((row) => String(row.CONSTRAINT_NAME)).sort()).toEqual(
      Object.keys(CHECK_CONSTRAINTS).sort(),
    );
    for (const row of rows) {
      const rule = CHECK_CONSTRAINTS[String(row.CONSTRAINT_NAME)];
      expect(row.TABLE_NAME).toBe(rule?.table);
      for (const word of rule?.mustMention ?? []) expect(String(row.CHECK_CLAUSE)).toContain(word);
    }
  });
});

function describeDatabaseColumn(row: Record<string, unknown>): ColumnShape {
  const dataType = String(row.DATA_TYPE).toLowerCase();
  const columnType = String(row.COLUMN_TYPE).toLowerCase();
  let type = dataType;
  if (dataType === 'varchar' || dataType === 'char') type = `${dataType}(${row.CHARACTER_MAXIMUM_LENGTH})`;
  else if (dataType === 'datetime' || dataType === 'timestamp' || dataType === 'time')
    type = `${dataType}(${row.DATETIME_PRECISION ?? 0})`;
  // Enum values keep their case: they are data, and PROGRESS is not progress.
  else if (dataType === 'enum') type = String(row.COLUMN_TYPE).replace(/^enum/i, 'enum');
  else if (dataType === 'decimal') type = columnType.replaceAll(' ', '');
  else if (dataType === 'tinyint' && columnType.startsWith('tinyint(1)')) type = 'tinyint(1)';
  if (columnType.includes('unsigned')) type += ' unsigned';
  const extra = String(row.EXTRA).toLowerCase();
  // MySQL 8 also writes DEFAULT_GENERATED for a CURRENT_TIMESTAMP default, which is not a generated column.
  const isGenerated = GENERATED_EXTRA.test(extra);
  return {
    type,
    nullable: row.IS_NULLABLE === 'YES',
    autoIncrement: extra.includes('auto_increment'),
    // A generated column's "default" is its expression, compared by the generated-columns test.
    default: isGenerated ? null : normalizeDatabaseDefault(row.COLUMN_DEFAULT),
  };
}

function normalizeDatabaseDefault(value: unknown): string | null {
  // MariaDB writes a missing default as the string NULL and quotes string literals; MySQL does neither.
  if (value === null || value === undefined || value === 'NULL') return null;
  const text = String(value);
  if (/^current_timestamp/i.test(text))
    return text.toLowerCase().replace(/^current_timestamp$/, 'current_timestamp(0)');
  return text.replace(/^'(.*)'$/s, '$1').replaceAll("''", "'");
}

function describePrismaColumn(field: Field, model: Datamodel): ColumnShape {
  const type = toSqlType(field, model);
  const fieldDefault = field.default as unknown;
  let autoIncrement = false;
  let dflt: string | null = null;
  if (fieldDefault !== undefined && fieldDefault !== null) {
    if (typeof fieldDefault === 'object' && !Array.isArray(fieldDefault) && 'name' in fieldDefault) {
      const fn = (fieldDefault as { name: string }).name;
      if (fn === 'autoincrement') autoIncrement = true;
      else if (fn === 'now') dflt = `current_timestamp(${/\((\d+)\)/.exec(type)?.[1] ?? '0'})`;
      else if (fn !== 'uuid' && fn !== 'cuid' && fn !== 'nanoid' && fn !== 'ulid') {
        throw new Error(`${field.name}: default ${fn}() is not compared yet: extend this test`);
      }
    } else if (typeof fieldDefault === 'boolean') {
      dflt = fieldDefault ? '1' : '0';
    } else {
      dflt = String(fieldDefault);
    }
  }
  return { type, nullable: !field.isRequired, autoIncrement, default: dflt };
}

// Prisma's MySQL column types: the native type when @db.* gives one, else the scalar's default.
function toSqlType(field: Field, model: Datamodel): string {
  if (field.kind === 'enum') {
    const enumType = model.enums.find((candidate) => candidate.name === field.type);
    if (!enumType) throw new Error(`unknown enum ${field.type}`);
    return `enum(${enumType.values.map((value) => `'${value.dbName ?? value.name}'`).join(',')})`;
  }
  const native = field.nativeType as [string, string[]] | null | undefined;
  if (native) {
    const [name, args] = native;
    switch (name) {
      case 'VarChar':
        return `varchar(${args[0]})`;
      case 'Char':
        return `char(${args[0]})`;
      case 'Text':
        return 'text';
      case 'MediumText':
        return 'mediumtext';
      case 'LongText':
        return 'longtext';
      case 'Date':
        return 'date';
      case 'DateTime':
        return `datetime(${args[0] ?? 0})`;
      case 'Timestamp':
        return `timestamp(${args[0] ?? 0})`;
      case 'Int':
        return 'int';
      case 'UnsignedInt':
        return 'int unsigned';
      case 'BigInt':
        return 'bigint';
      case 'UnsignedBigInt':
        return 'bigint unsigned';
      case 'SmallInt':
        return 'smallint';
      case 'TinyInt':
        return 'tinyint';
      default:
        throw new Error(`${field.name}: native type @db.${name} is not compared yet: extend this test`);
    }
  }
  switch (field.type) {
    case 'String':
      return 'varchar(191)';
    case 'Int':
      return 'int';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'tinyint(1)';
    case 'Float':
      return 'double';
    case 'Decimal':
      return 'decimal(65,30)';
    case 'DateTime':
      return 'datetime(3)';
    case 'Json':
      return 'json';
    case 'Bytes':
      return 'longblob';
    default:
      throw new Error(`${field.name}: type ${field.type} is not compared yet: extend this test`);
  }
}

// Prisma's default constraint names on MySQL: <table>_<columns>_key|idx|fkey.
function defaultConstraintName(table: string, columns: string[], suffix: 'key' | 'idx' | 'fkey'): string {
  const name = `${table}_${columns.join('_')}_${suffix}`;
  if (name.length > 64) throw new Error(`${name} is longer than MySQL allows: give it map: in schema.prisma`);
  return name;
}

function toSqlAction(action: string): string {
  const actions: Record<string, string> = {
    Cascade: 'CASCADE',
    Restrict: 'RESTRICT',
    NoAction: 'NO ACTION',
    SetNull: 'SET NULL',
    SetDefault: 'SET DEFAULT',
  };
  const sql = actions[action];
  if (!sql) throw new Error(`unknown referential action ${action}`);
  return sql;
}

function tableOf(model: Model): string {
  return model.dbName ?? model.name;
}

function columnOf(field: Field): string {
  return field.dbName ?? field.name;
}

function findModel(model: Datamodel, name: string): Model {
  const found = model.models.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown model ${name}`);
  return found;
}

function findField(model: Model, name: string): Field {
  const found = model.fields.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown field ${model.name}.${name}`);
  return found;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function sortIndexes(record: Record<string, IndexShape[]>): Record<string, IndexShape[]> {
  return sortKeys(
    Object.fromEntries(
      Object.entries(record).map(([table, indexes]) => [
        table,
        [...indexes].sort((a, b) => a.name.localeCompare(b.name)),
      ]),
    ),
  );
}

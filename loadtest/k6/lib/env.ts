// Reads `-e NAME=value` variables. Every getter records a problem instead of throwing, so that `finish()`
// can reject a bad run with one line that names every bad variable, before any request is sent.

export interface IntBounds {
  min?: number;
  max?: number;
}

const MAX_ID = 2_147_483_647;
// k6 duration strings: "500ms", "30s", "1m30s", "2h".
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

export interface EnvReader {
  string(name: string, fallback: string): string;
  optionalString(name: string): string | undefined;
  url(name: string, fallback: string): string;
  int(name: string, fallback: number, bounds?: IntBounds): number;
  optionalInt(name: string, bounds?: IntBounds): number | undefined;
  number(name: string, fallback: number, bounds?: IntBounds): number;
  bool(name: string, fallback: boolean): boolean;
  duration(name: string, fallback: string): string;
  problem(message: string): void;
  finish(): void;
}

export function createEnvReader(env: Record<string, string | undefined>): EnvReader {
  const problems: string[] = [];

  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const toInt = (name: string, value: string, bounds: IntBounds): number | undefined => {
    const min = bounds.min ?? 0;
    const max = bounds.max ?? MAX_ID;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
      return undefined;
    }
    return parsed;
  };

  return {
    string: (name, fallback) => raw(name) ?? fallback,
    optionalString: (name) => raw(name),
    url(name, fallback) {
      const value = raw(name) ?? fallback;
      if (!/^https?:\/\/[^/\s]+/.test(value)) {
        problems.push(`${name} must be an http(s) URL (got "${value}")`);
        return fallback.replace(/\/+$/, '');
      }
      return value.replace(/\/+$/, '');
    },
    int(name, fallback, bounds = {}) {
      const value = raw(name);
      return value === undefined ? fallback : (toInt(name, value, bounds) ?? fallback);
    },
    optionalInt(name, bounds = {}) {
      const value = raw(name);
      return value === undefined ? undefined : toInt(name, value, bounds);
    },
    number(name, fallback, bounds = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      const min = bounds.min ?? 0;
      const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        problems.push(`${name} must be a number from ${min} to ${max} (got "${value}")`);
        return fallback;
      }
      return parsed;
    },
    bool(name, fallback) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      problems.push(`${name} must be true or false (got "${value}")`);
      return fallback;
    },
    duration(name, fallback) {
      const value = raw(name) ?? fallback;
      if (!DURATION.test(value)) {
        problems.push(`${name} must be a k6 duration such as 30s or 1m30s (got "${value}")`);
        return fallback;
      }
      return value;
    },
    problem(message) {
      problems.push(message);
    },
    finish() {
      if (problems.length > 0) throw new Error(`invalid -e variables: ${problems.join('; ')}`);
    },
  };
}

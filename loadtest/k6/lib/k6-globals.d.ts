// k6 provides `console` in every context; @types/k6 does not declare it and the DOM lib would also
// declare browser APIs that k6 lacks.
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}

declare var console: Console;

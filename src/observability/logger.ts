// Structured logs: one JSON object a line (time, level, service, msg and fields such as the
// request id) for log collectors, or a readable line when the output is a terminal. Every line
// passes through redact(): no tokens, passwords or secret URIs reach the log. Messages and
// fields quote what strangers wrote, so each record stays one line in its order, whatever
// controls they hold (log-escapes.ts), and a JSON line stays valid JSON.
import { escapeJsonLine, escapeTextLine, logJson } from './log-escapes';
import { redact, scrub } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text' | 'auto';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const LOG_LEVELS = Object.keys(LEVELS) as LogLevel[];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text', 'auto'];

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  /** The same logger as a `(line) => void`, for parts that log plain lines. */
  readonly line: (line: string) => void;
}

export interface LoggerOptions {
  /** `auto` (default): text on a terminal, JSON otherwise. */
  readonly format?: LogFormat;
  readonly level?: LogLevel;
  /** Default process.stderr. */
  readonly stream?: { write(chunk: string): unknown; isTTY?: boolean };
  /** Named in every line as `service`. */
  readonly service?: string;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format === 'json' || options.format === 'text' ? options.format : stream.isTTY ? 'text' : 'json';
  const threshold = LEVELS[options.level ?? 'info'];
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const all = redact({ ...bound, ...fields }) as LogFields;
    const line = format === 'json' ? jsonLine(level, options.service, scrub(msg), all) : textLine(level, options.service, scrub(msg), all);
    stream.write(`${line}\n`);
  };
  const logger: Logger = {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
    line: (line) => write(levelOfLine(line), line),
  };
  return logger;
}

/** A Logger over a plain `(line) => void` (what tests and older callers pass): fields go on the line as key=value. */
export function loggerFromLines(log: (line: string) => void, bound: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    const all = redact({ ...bound, ...fields }) as LogFields;
    const rest = Object.entries(all).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${formatValue(value)}`);
    log([level === 'info' ? '' : `${level}:`, scrub(msg), ...rest].filter(Boolean).join(' '));
  };
  return {
    debug: () => undefined,
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => loggerFromLines(log, { ...bound, ...fields }),
    line: (line) => log(scrub(line)),
  };
}

/** The keys a JSON line's record owns, whether or not the line has them (a logger without a service). */
const RECORD_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'service', 'msg']);

function jsonLine(level: LogLevel, service: string | undefined, msg: string, fields: LogFields): string {
  const head = { time: new Date().toISOString(), level, ...(service ? { service } : {}), msg };
  let json: string;
  try {
    json = logJson({ ...head, ...renamedClashes(fields) });
  } catch (error) {
    // A field JSON cannot hold (an object that refers to itself): the record is still logged.
    json = logJson({ ...head, fieldsNotLogged: firstLine(error) });
  }
  return escapeJsonLine(json);
}

/**
 * Fields named as the record's own keys, renamed `field.time`, `field.level`…: spread after the
 * head they replaced it, so a field (a request's or a chain record's value passed on as one) could
 * make an error line read as `info`, move it in time, or pass it off as another service's. A
 * renamed key that is taken too gets `field.` once more; nothing is dropped.
 */
function renamedClashes(fields: LogFields): LogFields {
  if (!Object.keys(fields).some((key) => RECORD_KEYS.has(key))) return fields;
  const renamed = new Map<string, unknown>();
  for (const [key, value] of Object.entries(fields)) {
    let name = key;
    while (RECORD_KEYS.has(name) || renamed.has(name) || (name !== key && Object.hasOwn(fields, name))) name = `field.${name}`;
    renamed.set(name, value);
  }
  // fromEntries defines each key, so even a field named __proto__ stays a field.
  return Object.fromEntries(renamed);
}

function textLine(level: LogLevel, service: string | undefined, msg: string, fields: LogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  const rest = Object.entries(fields).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${formatValue(value)}`);
  return escapeTextLine([time, level.toUpperCase().padEnd(5), service ? `${service}:` : '', msg, ...rest].filter(Boolean).join(' '));
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  try {
    return logJson(value);
  } catch (error) {
    return `[not logged: ${firstLine(error)}]`;
  }
}

const firstLine = (error: unknown): string => String((error as Error)?.message ?? error).split('\n')[0];

/** Plain lines from older parts: failures are errors, the rest information. */
function levelOfLine(line: string): LogLevel {
  return /\b(error|failed|cannot|UNKNOWN|UNAVAILABLE)\b/.test(line) ? 'error' : 'info';
}

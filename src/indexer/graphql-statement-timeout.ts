// A bound on how long one GraphQL request's SQL may run. OpenReader has one (its
// --sql-statement-timeout) but sets none by default, and the server answers every request through
// a pool of 5 connections (GQL_DB_CONNECTION_POOL_SIZE): five slow queries from anyone (a wide
// space's images × their tags × their history, a `_containsInsensitive` over a big table) held
// every connection for as long as Postgres took, and everyone's queries waited, the gateway's
// name lookups among them. Unless the flag is given, GQL_SQL_STATEMENT_TIMEOUT_MS (default 20 s)
// sets it, and an answer stopped by it says so and what to do, instead of Postgres's bare
// "canceling statement due to statement timeout".
import { GraphQLError } from 'graphql';

export const DEFAULT_STATEMENT_TIMEOUT_MS = 20_000;

const FLAG = '--sql-statement-timeout';

/** The milliseconds in force: the flag's if given, else GQL_SQL_STATEMENT_TIMEOUT_MS's, else the default. */
export function statementTimeoutMs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { ms: number; fromFlag: boolean } {
  const at = argv.findIndex((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`));
  if (at >= 0) {
    const value = argv[at].includes('=') ? argv[at].slice(FLAG.length + 1) : argv[at + 1];
    return { ms: Number(value), fromFlag: true };
  }
  const raw = env.GQL_SQL_STATEMENT_TIMEOUT_MS?.trim();
  if (!raw) return { ms: DEFAULT_STATEMENT_TIMEOUT_MS, fromFlag: false };
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new Error(`GQL_SQL_STATEMENT_TIMEOUT_MS="${env.GQL_SQL_STATEMENT_TIMEOUT_MS}" is not a whole number of milliseconds of at least 1: give how long one query's SQL may run (default ${DEFAULT_STATEMENT_TIMEOUT_MS}), or unset it.`);
  }
  return { ms, fromFlag: false };
}

/** Adds the flag to the server's arguments when they do not give it. */
export function withStatementTimeout(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const { ms, fromFlag } = statementTimeoutMs(argv, env);
  if (!fromFlag) argv.push(FLAG, String(ms));
  return ms;
}

/** Postgres's SQLSTATE for a statement cancelled by statement_timeout (and by a user's cancel). */
const QUERY_CANCELED = '57014';

function isStatementTimeout(error: GraphQLError): boolean {
  const original = error.originalError as { code?: unknown; message?: unknown } | undefined;
  return original?.code === QUERY_CANCELED || /canceling statement due to statement timeout/.test(error.message);
}

/** An Apollo formatError that explains answers stopped by the timeout and leaves the rest as they are. */
export function explainStatementTimeout(ms: number) {
  return (error: GraphQLError): GraphQLError => {
    if (!isStatementTimeout(error)) return error;
    return new GraphQLError(
      `The query ran longer than the ${ms} ms one query may take and was stopped. Ask for less: a smaller limit, fewer nested lists, a narrower where (an exact name rather than _containsInsensitive); or start the server with a larger GQL_SQL_STATEMENT_TIMEOUT_MS.`,
      error.nodes, error.source, error.positions, error.path, undefined,
      { code: 'QUERY_TIMEOUT', timeoutMs: ms },
    );
  };
}

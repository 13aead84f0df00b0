// What an error answer may say. Apollo copies a thrown error's own properties into
// `extensions.exception` (all but the stack when not debugging), and for a database error that is
// the SQL text, its parameters and the driver's details, down to Postgres's own source file, line
// and routine: the schema's internals, sent to whoever asked. So that is dropped from every answer,
// and a database error is answered in words instead: a text argument Postgres cannot take (a NUL,
// `\u0000`, or a lone surrogate, which no name, tag, label or id the index holds can contain) is the
// client's error, BAD_USER_INPUT; anything else the database refuses is named by its SQLSTATE only.
import { GraphQLError } from 'graphql';

/** character_not_in_repertoire (a NUL in text), untranslatable_character (`\u0000` in JSON). */
const TEXT_POSTGRES_CANNOT_TAKE = new Set(['22021', '22P05']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

function sqlStateOf(error: GraphQLError): string | undefined {
  const original = error.originalError as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = original?.code ?? original?.driverError?.code;
  return typeof code === 'string' && SQLSTATE.test(code) && (original?.driverError !== undefined || 'severity' in (original ?? {})) ? code : undefined;
}

function answer(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, error.nodes, error.source, error.positions, error.path, undefined, extensions);
}

/** An Apollo formatError step: database errors in words, and no error's internals in the answer. */
export function withoutInternals(error: GraphQLError): GraphQLError {
  const sqlState = sqlStateOf(error);
  if (sqlState && TEXT_POSTGRES_CANNOT_TAKE.has(sqlState)) {
    return answer(error, 'An argument holds text the index cannot compare: a NUL character (\\u0000) or a lone surrogate (such as \\ud800), which no name, tag, label or id in the index contains. Leave such characters out of the query\'s arguments.', { code: 'BAD_USER_INPUT' });
  }
  if (sqlState) {
    return answer(error, `The index could not answer this query: the database refused it (SQLSTATE ${sqlState}). Try again; if it keeps failing, ask for less or tell the server's operator, quoting the SQLSTATE.`, { code: 'INTERNAL_SERVER_ERROR', sqlState });
  }
  const extensions = error.extensions as Record<string, unknown> | undefined;
  if (extensions && 'exception' in extensions) {
    const { exception: _internals, ...rest } = extensions;
    return answer(error, error.message, rest);
  }
  return error;
}

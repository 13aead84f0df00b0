// The database the way Subsquid's tools find it: DB_URL, or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASS
// with Subsquid's defaults.
export function dbUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DB_URL) return env.DB_URL;
  const url = new URL('postgres://localhost');
  url.hostname = env.DB_HOST || 'localhost';
  url.port = env.DB_PORT || '5432';
  url.pathname = `/${env.DB_NAME || 'postgres'}`;
  url.username = env.DB_USER || 'postgres';
  url.password = env.DB_PASS || 'postgres';
  return url.toString();
}

/** The URL without its password, for messages. */
export function redactDbUrl(dbUrl: string): string {
  try {
    const url = new URL(dbUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(an unparsable DB_URL)';
  }
}

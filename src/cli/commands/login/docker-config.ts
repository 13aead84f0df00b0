// Writing a login into Docker's config file (what `docker login` itself writes when no credential
// store is configured), keeping every other entry and setting.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from '../../errors';

interface DockerConfig {
  auths?: Record<string, Record<string, unknown>>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [setting: string]: unknown;
}

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json, as the docker CLI looks it up. */
export function dockerConfigPath(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

export function writeDockerLogin(file: string, domain: string, username: string, password: string): void {
  const config = readConfig(file);
  // With a credential store docker reads logins from the store, never from `auths` in the file.
  const store = config.credHelpers?.[domain] ?? config.credsStore;
  if (store) {
    throw new CliError(
      `${file} tells docker to keep logins in the "${store}" credential store, so it would not read one written to the file: run the docker login command hcr login prints (without --write) instead`,
      EXIT.usage,
    );
  }
  // A fresh entry: an identity token left from an earlier login would be used instead of this one.
  config.auths = { ...config.auths, [domain]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    renameSync(partial, file);
  } catch (error) {
    throw new CliError(`cannot write ${file} (${(error as Error).message}): check its permissions, or set DOCKER_CONFIG to another directory`, EXIT.failed);
  }
}

function readConfig(file: string): DockerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${file} (${(error as Error).message}): check its permissions, or set DOCKER_CONFIG to another directory`, EXIT.failed);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`${file} is not a Docker config (a JSON object): fix or move it, or set DOCKER_CONFIG to another directory`, EXIT.usage);
  }
  return parsed as DockerConfig;
}

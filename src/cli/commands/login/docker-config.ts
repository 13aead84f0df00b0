// Writing a login into Docker's config file (what `docker login` itself writes when no credential
// store is configured), keeping every other entry and setting. DOCKER_CONFIG may name a
// directory others can write (a shared CI workspace, /tmp): the new file is written under a
// random name created exclusively (partial-file.ts), so a symlink planted at a name known in
// advance cannot redirect the credentials, with mode 0600 from its creation on, and renamed
// over config.json once whole. A failure or a signal removes it.
//
// People keep dotfiles as symlinks (~/.docker/config.json → ~/dotfiles/docker.json), and docker
// writes through such a link; renaming over the link replaced it with a plain file. So a link is
// followed, the same careful way, beside and over its target, but only a link of the user's own
// to a regular file of the user's own, each hop checked: a link someone else planted in a
// DOCKER_CONFIG they can write could otherwise aim the login at a file of theirs, or the config
// at a file of the user's (~/.bashrc). Any other link is replaced, as docker does a dangling one.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { CliError, EXIT } from '../../errors';
import { partialFileFor } from '../../partial-file';

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

export async function writeDockerLogin(file: string, domain: string, username: string, password: string): Promise<void> {
  const target = fileToReplace(file);
  const config = readConfig(target);
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
  const cannotWrite = (error: unknown) => new CliError(`cannot write ${file} (${(error as Error).message}): check its permissions, or set DOCKER_CONFIG to another directory`, EXIT.failed);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw cannotWrite(error);
  }
  const partial = partialFileFor(target, { mode: 0o600 });
  try {
    partial.stream.end(`${JSON.stringify(config, null, '\t')}\n`);
    await finished(partial.stream);
    await partial.commit();
  } catch (error) {
    await partial.discard();
    throw cannotWrite(error);
  }
}

/** Links followed at most, as the kernel's own bound (ELOOP) on a path. */
const MAX_LINK_HOPS = 40;

/**
 * The path the new config is renamed over: `file` itself, or, when it is a symlink of the user's
 * (through links of the user's only) to a regular file of the user's, that file.
 */
export function fileToReplace(file: string): string {
  const uid = process.getuid?.();
  let path = file;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return file;
    }
    const own = uid === undefined || stat.uid === uid;
    if (stat.isFile()) return own && path !== file ? path : file;
    if (!stat.isSymbolicLink() || !own) return file;
    path = resolve(dirname(path), readlinkSync(path));
  }
  return file;
}

function readConfig(file: string): DockerConfig {
  let text: string;
  try {
    // Never through a link fileToReplace did not follow: settings a planted link points at
    // (proxies, a credential helper of someone else's choosing) must not enter the user's config.
    const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'EMLINK') return {};
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

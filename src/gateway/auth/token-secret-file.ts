// The access-token signing key kept in the data dir (`<data dir>/gateway/token-secret`). Whoever
// reads it can sign access tokens and push as any account, and whoever can change it chooses the
// key. So it is read only from a regular file of the gateway's own that no one else may read or
// write, never through a symlink (which can point at a file others read or change, or be swapped
// later); anything else stops the start with the command that fixes it, as ssh refuses a private
// key others can read. A new secret is written through an exclusively created file under a name
// no one can guess (exclusive-file.ts), so a symlink planted in the data dir is never written
// through.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { temporaryPathBeside, writeNewFileSync } from '../../file-io/exclusive-file';

/** RFC 7518 §3.2: an HS256 key is at least as long as the hash, 32 bytes (what a new file gets). */
const MIN_SECRET_FILE_BYTES = 32;

/** The secret in `file`, generated into it first when there is none. */
export function secretFromFile(file: string): Buffer {
  const existing = readSecretFile(file);
  if (existing) return existing;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  // Linked into place only if no file is there yet, not renamed over it: a process starting at
  // the same time on this data dir never reads a half-written (empty) file, and both end up with
  // the same secret.
  const partial = temporaryPathBeside(file);
  try {
    writeNewFileSync(partial, secret, 0o600);
  } catch (error) {
    throw new Error(`cannot write a new token secret beside ${file} (${(error as Error).message}): the gateway's user must be able to create files in ${dirname(file)}, and no one else should (chmod 700 ${dirname(file)})`);
  }
  try {
    linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = readSecretFile(file);
    if (!raced) throw error;
    return raced;
  } finally {
    rmSync(partial, { force: true });
  }
  return secret;
}

/** The secret in `file`, undefined when there is no file; throws when the file cannot be trusted. */
function readSecretFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink at the name fails the open rather than being followed. O_NONBLOCK: a
    // FIFO there opens at once (and is refused below) instead of holding the start up for ever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if ((code === 'ELOOP' || code === 'EMLINK') && lstatSync(file).isSymbolicLink()) throw symlinkRefused(file);
    throw new Error(`cannot read the token secret ${file} (${(error as Error).message}): make it a file the gateway's user can read, or delete it to have a new one generated`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new Error(`the token secret ${file} is ${kindOf(stat)}, not a regular file: remove it to have a new secret generated, or put the secret the other replicas share there as a plain file (mode 0600)`);
    }
    const secret = readFileSync(fd);
    if (secret.length < MIN_SECRET_FILE_BYTES) {
      throw new Error(
        `the token secret ${file} holds ${secret.length} bytes, fewer than the ${MIN_SECRET_FILE_BYTES} an access-token key needs (with a short or empty key anyone could sign tokens and push as any account): delete it to have a new one generated (login tokens stay valid; access and refresh tokens issued before do not, so docker clients log in again), or write the secret the other replicas share into it ((umask 077; head -c 32 /dev/urandom > ${file}))`,
      );
    }
    checkOwnerAndMode(file, stat);
    return secret;
  } finally {
    closeSync(fd);
  }
}

function checkOwnerAndMode(file: string, stat: Stats): void {
  // Modes and owners mean nothing there.
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    throw new Error(`the token secret ${file} belongs to user ${stat.uid}, not to the gateway's user (${uid}): that user can replace it or make it readable, and sign access tokens as any account: chown ${uid} ${file} if you made it, else delete it to have a new one generated`);
  }
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `the token secret ${file} has mode ${mode}, so users other than the gateway's may read or change it, and whoever reads it can sign access tokens and push as any account: chmod 600 ${file} (and if others could read it, delete it instead to have a new one generated; docker clients then log in again)`,
    );
  }
}

function symlinkRefused(file: string): Error {
  let target = '';
  try {
    target = ` to ${readlinkSync(file)}`;
  } catch {
    // Gone meanwhile: the message stands without it.
  }
  return new Error(
    `the token secret ${file} is a symbolic link${target}, and the gateway reads its signing key only from a file of its own (a link can point at a file others can read or change): replace the link with a copy of the file (cp --remove-destination "$(readlink -f ${file})" ${file}; chmod 600 ${file}), or delete it to have a new secret generated`,
  );
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}

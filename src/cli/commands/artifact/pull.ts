// `hcr artifact pull <ref> -o FILE`: downloads a version (exact, the highest in a range, or the
// highest release) with a progress bar, checks the bytes against the digest the gateway served
// them under, and only then moves them into place. A version moved after it was published is
// downloaded with a warning.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonAnswer } from '../../bounded-answer';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { partialFileFor } from '../../partial-file';
import { stallGuard } from '../../stall-guard';
import { terminalName, terminalText } from '../../terminal-text';
import { progressBar } from './progress';
import { type ArtifactRef, parseArtifactRef } from './reference';
import { authorization, registryUrl, type RegistryFlags, request } from './registry-client';

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface PullFlags extends RegistryFlags {
  output?: string;
  file?: string;
}

export interface Resolved {
  name: string;
  version: string;
  manifestDigest: string;
  sha256: string | null;
  [key: string]: unknown;
}

export async function resolveRef(ref: ArtifactRef, flags: RegistryFlags, auth: string | undefined): Promise<Resolved> {
  const base = registryUrl(flags);
  const range = ref.version ? `=${ref.version}` : ref.range ?? '*';
  const response = await request(`${base}/api/packages/${ref.name}/resolve?range=${encodeURIComponent(range)}`, { headers: auth ? { authorization: auth } : {} });
  const resolved = await jsonAnswer<Resolved>(response);
  if (ref.version && resolved.version !== ref.version) throw new CliError(`${ref.name} has no version ${ref.version} (the nearest is ${resolved.version})`, EXIT.failed);
  return resolved;
}

export async function pullArtifact(refText: string, flags: PullFlags): Promise<void> {
  const ref = parseArtifactRef(refText);
  const auth = await authorization(flags);
  const base = registryUrl(flags);
  // A range is resolved first, so that the download is of one version whatever is published meanwhile.
  const version = ref.version ?? (await resolveRef(ref, flags, auth)).version;
  const which = flags.file === undefined ? '' : `?file=${encodeURIComponent(flags.file)}`;
  const response = await request(`${base}/api/packages/${ref.name}/${encodeURIComponent(version)}/download${which}`, { headers: auth ? { authorization: auth } : {} });
  const digest = response.headers.get('docker-content-digest');
  // Without a digest there is nothing to check the bytes against: a gateway always names one, so
  // its absence (a hostile gateway, a proxy that drops headers) is refused before anything is written.
  if (!digest || !SHA256_DIGEST.test(digest)) {
    await response.body?.cancel().catch(() => undefined);
    const named = digest ? `named the digest ${JSON.stringify(digest)}, not a sha256 digest,` : 'named no digest (no Docker-Content-Digest header)';
    throw new CliError(`the gateway ${named} for ${ref.name}:${version}, so its bytes cannot be checked: nothing was written; pull through a gateway that names it`, EXIT.failed);
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (response.headers.get('hcr-version-moved') === 'true') process.stderr.write(`warning: ${terminalText(response.headers.get('warning')?.replace(/^299 - "|"$/g, '') ?? `${ref.name} ${version} was moved after it was published`)}\n`);
  const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  const output = flags.output ?? downloadFileName(named, `${ref.name.split('/').pop()}-${version}`);
  // A name the publisher chose must not replace a file of the user's ("Makefile", "package.json"
  // in a project directory): only -o, which the user typed, overwrites.
  if (flags.output === undefined && existsSync(output)) {
    throw new CliError(`${output} already exists here and its name came from the gateway, so it is not replaced: pass -o ${output} to replace it, or -o another path`, EXIT.usage);
  }
  const hash = createHash('sha256');
  const progress = progressBar(`pulling ${ref.name}:${terminalName(version)}`, Number.isFinite(length) ? length : undefined, { enabled: output === '-' ? false : undefined });
  const counting = stallGuard((chunk) => {
    hash.update(chunk);
    progress.add(chunk.length);
  });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  // Written beside the output under a name no one can plant a symlink at first (partial-file.ts).
  // For stdout too, in a folder of this process's own, and sent on only once checked: stdout is
  // often a pipe into another program (`| tar x`, `| sh`), which would act on a hostile
  // gateway's bytes before their digest was found wrong.
  const spool = output === '-' ? mkdtempSync(join(tmpdir(), 'hcr-pull-')) : undefined;
  const temporary = partialFileFor(spool ? join(spool, 'download') : output);
  try {
    try {
      await pipeline(body, counting, temporary.stream);
    } catch (error) {
      await temporary.discard();
      throw new CliError(`the download of ${ref.name}:${version} broke off (${(error as Error).message}); run the pull again`, EXIT.failed);
    }
    progress.done();
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      await temporary.discard();
      throw new CliError(`the bytes of ${ref.name}:${version} have digest ${actual}, not ${digest} as the gateway said: nothing was written; pull again`, EXIT.failed);
    }
    if (spool) {
      await pipeline(createReadStream(temporary.path), process.stdout, { end: false }).finally(() => temporary.discard());
    } else {
      try {
        await temporary.commit();
      } catch (error) {
        await temporary.discard();
        throw new CliError(`cannot write ${output} (${(error as Error).message}): choose another path with -o`, EXIT.failed);
      }
    }
    if (flags.json) process.stdout.write(`${jsonText({ name: ref.name, version, sha256: actual, output }, 2)}\n`);
    else if (output !== '-') process.stderr.write(`pulled ${ref.name}:${terminalName(version)} (${actual}) into ${terminalText(output)}\n`);
  } finally {
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
}

/** The longest file name most filesystems take (ext4, XFS, APFS, NTFS: 255). */
const MAX_NAME_BYTES = 255;

/**
 * Where a download goes without -o. The gateway's Content-Disposition name is the layer's title
 * annotation and the version is a tag, both chosen by whoever published (any OCI client can push
 * a layer titled "../../.ssh/authorized_keys" or "/etc/cron.d/x"), so the name is reduced to one
 * plain file name in the current directory: its last path component, refused when it is empty,
 * "." or "..", hidden (".bashrc", ".envrc" would be read by shells and tools), holds control
 * characters, begins with "-" ("-" is -o's word for stdout, and a file named "-rf" turns a later
 * `rm *` into `rm -rf *`) or is longer than a file name may be. A refused title falls back to
 * <name>-<version>, made safe the same way; a note on stderr says so, and -o chooses any path.
 */
export function downloadFileName(offered: string | undefined, fallback: string): string {
  const plain = (candidate: string): string | undefined => {
    if (/[\u0000-\u001f\u007f-\u009f]/u.test(candidate)) return undefined;
    const base = candidate.split(/[\\/]/).pop() ?? '';
    if (Buffer.byteLength(base) > MAX_NAME_BYTES) return undefined;
    return base === '' || base.startsWith('.') || base.startsWith('-') ? undefined : base;
  };
  const fromGateway = offered === undefined ? undefined : plain(offered);
  if (fromGateway !== undefined && fromGateway === offered) return fromGateway;
  const chosen = fromGateway ?? plain(fallback.replace(/[\\/]/g, '_')) ?? 'download';
  if (offered !== undefined) process.stderr.write(`note: the gateway named the file ${terminalText(JSON.stringify(offered))}, which is not a plain file name in this directory: writing ${terminalText(chosen)} instead (choose with -o)\n`);
  return chosen;
}

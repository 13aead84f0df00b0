// Where RegisterPlugin's `plugin` string points. The original registry read it as a path on the
// registry's own machine; here it may be content already in IPFS (`/ipfs/<cid>` or a bare CID,
// read only when the gateway's own IPFS node already holds it: held-content.ts), the bytes themselves as a data URL
// (`data:application/octet-stream;base64,…`), or, only when the gateway was started with
// --plugin-dir, a file under that directory (a registry and its publisher on one machine).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CID } from 'multiformats/cid';
import type { GatewayContext } from '../../context';
import { ArtifactError } from '../../artifacts/errors';
import { openHeldContent } from './held-content';

export interface PluginSource {
  readonly stream: Readable;
  /** The file's title in the artifact (`org.opencontainers.image.title`). */
  readonly title?: string;
}

const USAGE = 'give the plugin as /ipfs/<cid> (content the gateway\'s IPFS node already holds), as its bytes in a data URL (data:application/octet-stream;base64,…), or as a path under the gateway\'s --plugin-dir';

export async function openPluginSource(ctx: GatewayContext, plugin: string, pluginDir: string | undefined): Promise<PluginSource> {
  const text = plugin.trim();
  if (text === '') throw new ArtifactError('MISSING_PART', `plugin is empty: ${USAGE}`, { field: 'plugin' });
  if (text.startsWith('data:')) {
    const match = /^data:[^,;]*(?:;[^,;=]+=[^,;]*)*;base64,(.*)$/s.exec(text);
    if (!match) throw new ArtifactError('INVALID_METADATA', `plugin is a data URL without ;base64: ${USAGE}`, { field: 'plugin' });
    return { stream: Readable.from([Buffer.from(match[1], 'base64')]) };
  }
  const cidText = text.replace(/^\/ipfs\//, '').replace(/^ipfs:\/\//, '');
  if (!cidText.includes('/') && looksLikeCid(cidText)) {
    try {
      return { stream: await openHeldContent(ctx, cidText) };
    } catch (error) {
      if ((error as Error).name === 'BlobNotFoundError') throw new ArtifactError('NOT_FOUND', `IPFS has no ${cidText} that this gateway can read: add it to the gateway's IPFS node (or a peer) first, or send the bytes as a data URL`, { field: 'plugin' });
      throw error;
    }
  }
  if (!pluginDir) throw new ArtifactError('INVALID_METADATA', `plugin ${JSON.stringify(text.slice(0, 200))} is neither a CID nor a data URL, and this gateway reads no paths (it was started without --plugin-dir): ${USAGE}`, { field: 'plugin' });
  {
    const root = await realpath(pluginDir);
    const file = await realpath(resolve(root, text)).catch(() => undefined);
    if (!file || relative(root, file).startsWith('..') || isAbsolute(relative(root, file))) {
      // The directory itself is not named: where the operator keeps files is none of a publisher's business.
      throw new ArtifactError('NOT_FOUND', `plugin ${JSON.stringify(text.slice(0, 200))} is no file under the gateway's --plugin-dir: ${USAGE}`, { field: 'plugin' });
    }
    if (!(await stat(file)).isFile()) throw new ArtifactError('INVALID_METADATA', `plugin ${JSON.stringify(text.slice(0, 200))} is not a regular file`, { field: 'plugin' });
    return { stream: createReadStream(file), title: basename(file) };
  }
}

function looksLikeCid(text: string): boolean {
  try {
    CID.parse(text);
    return true;
  } catch {
    return false;
  }
}

// What uploaders hold on disk, counted once when the gateway starts (UploadQuota.ready): each
// upload session's bytes, for the uploader its session.json names, and each committed blob a
// recorded manifest does not reference yet, for the uploader its record names. A restart thus
// keeps counting what is still on disk; what the cleanup or a manifest ends afterwards stops
// counting as it happens.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { boundedMap } from '../bounded-map';
import type { LocalBlobs } from './local-blobs';
import type { Holding } from './upload-quota';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Files read at once while counting. */
const READS_IN_FLIGHT = 16;

export async function heldOnDisk(uploadsDir: string, local: LocalBlobs): Promise<Holding[]> {
  const [uploads, blobs] = await Promise.all([uploadsHeld(uploadsDir), local.list()]);
  const held: Holding[] = uploads.filter((u): u is Holding => u !== undefined);
  for (const blob of blobs) {
    if (blob.heldBy !== undefined && blob.referencedAt === undefined) held.push({ kind: 'blob', key: blob.digest, uploader: blob.heldBy, bytes: blob.size });
  }
  return held;
}

async function uploadsHeld(dir: string): Promise<(Holding | undefined)[]> {
  let ids: string[];
  try {
    ids = (await readdir(dir)).filter((id) => UUID.test(id));
  } catch {
    return [];
  }
  return boundedMap(ids, READS_IN_FLIGHT, async (id) => {
    try {
      const meta = JSON.parse(await readFile(join(dir, id, 'session.json'), 'utf8')) as { owner?: unknown; uploader?: unknown };
      // Sessions written before they named their uploader count against their owner.
      const uploader = typeof meta.uploader === 'string' ? meta.uploader : typeof meta.owner === 'string' ? meta.owner : undefined;
      if (uploader === undefined) return undefined;
      return { kind: 'upload', key: id, uploader, bytes: (await stat(join(dir, id, 'data'))).size };
    } catch {
      // A session being created or removed right now, or one whose file a commit moved away.
      return undefined;
    }
  });
}

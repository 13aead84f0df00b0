// The PluginRegistry service's three calls over the shared artifact layer (RegisterPlugin is first
// admitted by the gateway's upload limits, before its message is read: upload-admission.ts). A
// plugin version is an OCI artifact of kind plugin; `Plugin.cid` is its file's CID (what `ipfs
// get` fetches) and `Plugin.path` the file's name. RegisterPlugin needs a token with the publish
// scope in the `authorization` metadata; DiscoverPlugins without a filter lists the plugins (of
// the default space, else of every space), with a name every artifact of that name, with a cid the
// versions whose file or manifest has it.
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { Metadata as GrpcMetadata } from '@grpc/grpc-js';
import { requirePublish, requireRead, stillAuthorizedCheck } from '../../artifacts/access';
import { receiveFile } from '../../artifacts/blob-intake';
import type { VersionView } from '../../artifacts/catalog';
import { artifactName, artifactVersion } from '../../artifacts/coordinates';
import { ARTIFACT_KINDS } from '../../artifacts/kinds';
import { annotationsOf } from '../../artifacts/metadata';
import { publishArtifact, reserveVersion } from '../../artifacts/publish-artifact';
import { downloadName, mainFile, moveNotice, readExactVersion } from '../../artifacts/read-version';
import type { GatewayContext } from '../../context';
import type { RepositoryName } from '../../oci/reference';
import { shownName } from '../firmware/shown-name';
import { openPluginSource, type PluginSource } from './plugin-source';
import { grpcError } from './status';
import { admittedAccount, authorizationOf, callerKey } from './upload-admission';

interface PluginMessage {
  name: string;
  version: string;
  cid: string;
  path: string;
}

export interface PluginRegistryOptions {
  /** Where RegisterPlugin may read plugin files named by path; absent: no paths. */
  readonly pluginDir?: string;
}

/**
 * `Plugin.path`, the name a client saves the plugin as: the file's title without directories. A
 * title is whatever the manifest's pusher wrote (any OCI client may push a plugin), and a client
 * writing to `../../.bashrc` would write outside its plugin directory.
 */
const pluginPath = (title: string | null | undefined) => downloadName(title ?? '') ?? '';

/**
 * Closes a plugin source that receiveFile gave up on, possibly before reading a byte (no upload
 * session could be made). Left open, an IPFS read keeps its connection and a file its descriptor,
 * and nothing listens on the stream any more: when that read later fails (the IPFS node goes
 * away, the read's timeout passes), its 'error' event is uncaught and takes the gateway down.
 * Closed without an error, it emits none.
 */
function letGo(source: PluginSource | undefined): void {
  source?.stream.destroy();
}

function unary<Req, Res>(ctx: GatewayContext, work: (call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    work(call).then((answer) => callback(null, answer), (error: unknown) => callback(grpcError(error, ctx.log), null));
  };
}

/** How long a plugin file's answered CID is shared by the GetPlugin calls that ask for it. */
const SHARED_CID_MS = 2_000;

/**
 * The file's CID, one lookup shared by the calls asking at the same time. Until a file's bytes were
 * verified once, a lookup reads and hashes the whole file (up to the doors' file bound): anyone may
 * call GetPlugin, and each of a few hundred small calls sent at once would otherwise read the same
 * gigabytes again, side by side, before the first one recorded the file as verified.
 */
function fileCid(ctx: GatewayContext, name: RepositoryName, file: { digest: string; size: number }): Promise<string> {
  return ctx.artifacts.recently(`plugin-cid:${name.full}@${file.digest}:${file.size}`, SHARED_CID_MS, () => lookUpFileCid(ctx, name, file));
}

async function lookUpFileCid(ctx: GatewayContext, name: RepositoryName, file: { digest: string; size: number }): Promise<string> {
  const local = await ctx.local.get(file.digest);
  if (local) return local.cid;
  // The CID is all a plugin client fetches by (Plugin has no digest to check the bytes against),
  // and the chain lets any space owner repoint a digest to other bytes: a CID is answered only
  // once its bytes were hashed to the file's digest here. An unchecked candidate (what
  // `while-streaming` gives) would hand a gateway without the file a stranger's CID.
  return (await ctx.content.blob(name, file.digest, { skipCache: true, verify: 'now', expectedSize: file.size })).cid ?? '';
}

export function pluginRegistryHandlers(ctx: GatewayContext, options: PluginRegistryOptions = {}) {
  const shown = (space: string, name: string) => shownName(space, name, ctx.artifacts.defaultSpace);
  const toMessages = async (versions: VersionView[]): Promise<PluginMessage[]> => {
    // One index query for the files of every version listed (up to 1,000, of as many owners),
    // each answered from its own version's owner's records only.
    const owned = await ctx.artifacts.requireCatalog().ownedFileCids(versions.flatMap((v) => v.files.slice(0, 1).map((f) => ({ digest: f.digest, owner: v.space.owner }))));
    const cidOf = (v: VersionView) => (v.files[0] ? owned.get(v.space.owner)?.get(v.files[0].digest) ?? '' : '');
    return versions.map((v) => ({ name: shown(v.space.name, v.artifactName), version: v.version, cid: cidOf(v), path: pluginPath(v.files[0]?.title) }));
  };

  return {
    RegisterPlugin: unary(ctx, async (call: ServerUnaryCall<{ name: string; version: string; plugin: string }, { message: string; cid: string }>) => {
      const admitted = admittedAccount(call.metadata);
      const account = admitted.found ? admitted.account : await requirePublish(ctx, authorizationOf(call.metadata), () => callerKey(ctx, call));
      const stillAuthorized = stillAuthorizedCheck(ctx, authorizationOf(call.metadata));
      const name = artifactName(call.request.name, ctx.artifacts.defaultSpace);
      const version = artifactVersion(call.request.version, false);
      const reservation = await reserveVersion(ctx, name, version, account, stillAuthorized);
      let received;
      let source: PluginSource | undefined;
      try {
        source = await openPluginSource(ctx, call.request.plugin, options.pluginDir);
        received = await receiveFile(ctx, name.full, source.stream, { what: 'the plugin', maxBytes: ctx.artifacts.maxFileBytes });
      } catch (error) {
        reservation.release();
        letGo(source);
        throw error;
      }
      const { title } = source;
      const published = await publishArtifact(ctx, reservation, {
        artifactType: ARTIFACT_KINDS.plugin,
        files: [{ title: title ?? name.image.split('/').pop()!, mediaType: 'application/octet-stream', file: received }],
        annotations: annotationsOf({ labels: {}, keywords: [] }, version),
      });
      return { message: 'Plugin registered successfully', cid: published.files[0].cid };
    }),

    DiscoverPlugins: unary(ctx, async (call: ServerUnaryCall<{ name?: string; cid?: string }, { plugins: PluginMessage[] }>) => {
      await requireRead(ctx, authorizationOf(call.metadata), () => callerKey(ctx, call));
      const catalog = ctx.artifacts.requireCatalog();
      const nameFilter = call.request.name || undefined;
      const cidFilter = call.request.cid?.trim().replace(/^\/ipfs\//, '') || undefined;
      if (nameFilter) {
        const name = artifactName(nameFilter, ctx.artifacts.defaultSpace);
        const plugins = await toMessages(await catalog.versions({ space: name.repo, name: name.image }));
        return { plugins: cidFilter ? plugins.filter((p) => p.cid === cidFilter) : plugins };
      }
      const space = ctx.artifacts.defaultSpace;
      if (cidFilter) {
        const versions = await catalog.versions({ space });
        const plugins = await toMessages(versions);
        return { plugins: plugins.filter((p, i) => p.cid === cidFilter || versions[i].cid === cidFilter) };
      }
      return { plugins: await toMessages(await catalog.versions({ space, kinds: [ARTIFACT_KINDS.plugin] })) };
    }),

    GetPlugin: unary(ctx, async (call: ServerUnaryCall<{ name: string; version: string }, { plugin: PluginMessage }>) => {
      await requireRead(ctx, authorizationOf(call.metadata), () => callerKey(ctx, call));
      const name = artifactName(call.request.name, ctx.artifacts.defaultSpace);
      const version = artifactVersion(call.request.version, false);
      const exact = await readExactVersion(ctx, name, version);
      const file = mainFile(exact);
      const notice = await moveNotice(ctx, exact);
      if (notice.moved) {
        const headers = new GrpcMetadata();
        headers.set('hcr-version-moved', 'true');
        if (notice.originalDigest) headers.set('hcr-original-digest', notice.originalDigest);
        call.sendMetadata(headers);
      }
      return { plugin: { name: shown(name.repo, name.image), version, cid: await fileCid(ctx, name, file), path: pluginPath(file.title) } };
    }),
  };
}

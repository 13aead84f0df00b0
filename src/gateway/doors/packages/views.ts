// How the package registry shows packages and versions: everything a mirror needs to fetch and
// verify a version offline (the file's sha256 and CID, the manifest's digest and CID), and whether
// a version was moved after it was published.
import type { ArtifactView, VersionView } from '../../artifacts/catalog';
import { kindNameOf, keywordsOf, labelsOf } from '../../artifacts/kinds';
import { ANNOTATIONS } from '../../artifacts/kinds';
import { packagePaths } from './paths';

export function versionView(version: VersionView, fileCids: ReadonlyMap<string, string>) {
  const file = version.files[0];
  return {
    version: version.version,
    kind: kindNameOf(version.artifactType),
    file: file?.title ?? null,
    size: file?.size ?? 0,
    sha256: file?.digest ?? null,
    cid: file ? fileCids.get(file.digest) ?? null : null,
    manifestDigest: version.digest,
    manifestCid: version.cid,
    publishedAt: version.createdAt,
    moved: version.moved,
    ...(version.moved ? { originalDigest: version.originalDigest, moveCount: version.moveCount } : {}),
    description: version.description,
    keywords: keywordsOf(version.labels),
    labels: labelsOf(version.labels),
    downloadUrl: packagePaths.download(version.name, version.version),
    files: version.files.map((f) => ({ title: f.title, size: f.size, sha256: f.digest })),
  };
}

export function packageView(artifact: ArtifactView, fileCids: ReadonlyMap<string, string>) {
  return {
    name: artifact.name,
    space: artifact.space.name,
    owner: artifact.space.owner,
    description: artifact.latest.description ?? artifact.latest.labels[ANNOTATIONS.description] ?? null,
    keywords: keywordsOf(artifact.latest.labels),
    kinds: artifact.kinds.map(kindNameOf),
    latest: artifact.latest.version,
    updatedAt: artifact.updatedAt,
    versions: artifact.versions.map((v) => versionView(v, fileCids)),
  };
}

export function summaryView(artifact: ArtifactView) {
  return {
    name: artifact.name,
    space: artifact.space.name,
    owner: artifact.space.owner,
    description: artifact.latest.description,
    keywords: keywordsOf(artifact.latest.labels),
    kinds: artifact.kinds.map(kindNameOf),
    latest: artifact.latest.version,
    versionCount: artifact.versionCount,
    updatedAt: artifact.updatedAt,
    url: packagePaths.info(artifact.name),
  };
}

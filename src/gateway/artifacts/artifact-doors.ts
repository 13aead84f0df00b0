// What the artifact front doors share per gateway: the default space for bare names, the index
// they read from, how long a publish waits for the index to list it, and which versions are
// being published right now (a second publish of the same version waits for no chain round
// trip to be refused).
import { ArtifactCatalog } from './catalog';
import { ArtifactError } from './errors';

export interface ArtifactDoorOptions {
  /** Bare names (`sensor`) mean `<defaultSpace>/sensor`; without one only `<space>/<name>` works. */
  readonly defaultSpace?: string;
  /** The index's GraphQL URL; without it listings, searches and ranges answer 503. */
  readonly graphqlUrl?: string;
  /** How long a publish waits for the index to list the new version before answering; default 30 s. */
  readonly indexWaitMs?: number;
}

export class ArtifactDoors {
  readonly defaultSpace?: string;
  readonly catalog?: ArtifactCatalog;
  readonly indexWaitMs: number;
  readonly #publishing = new Set<string>();

  constructor(options: ArtifactDoorOptions = {}) {
    this.defaultSpace = options.defaultSpace;
    this.catalog = options.graphqlUrl ? new ArtifactCatalog(options.graphqlUrl) : undefined;
    this.indexWaitMs = options.indexWaitMs ?? 30_000;
  }

  /** The index, or a 503 saying the gateway runs without one. */
  requireCatalog(): ArtifactCatalog {
    if (!this.catalog) throw new ArtifactError('UNAVAILABLE', 'this gateway runs without the index (GRAPHQL_URL), which listings, searches and version ranges need: start it with --graphql, or ask a gateway that has it');
    return this.catalog;
  }

  /** Marks `<name>:<version>` as being published; the returned function unmarks it. */
  claim(name: string, version: string): () => void {
    const key = `${name}:${version}`;
    if (this.#publishing.has(key)) throw new ArtifactError('VERSION_EXISTS', `${name} ${version} is being published right now by another request: versions are immutable, publish another version`);
    this.#publishing.add(key);
    return () => this.#publishing.delete(key);
  }
}

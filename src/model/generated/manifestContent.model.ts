import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, Index as Index_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, BigIntColumn as BigIntColumn_, JSONColumn as JSONColumn_} from "@subsquid/typeorm-store"
import * as marshal from "./marshal"
import {ContentState} from "./_contentState"
import {ManifestKind} from "./_manifestKind"
import {ContentFile} from "./_contentFile"
import {ContentChild} from "./_contentChild"

/**
 * A manifest's content, as read from IPFS and checked against its digest.
 */
@Entity_()
export class ManifestContent {
    constructor(props?: Partial<ManifestContent>) {
        Object.assign(this, props)
    }

    /**
     * digest hex, as Blob.id and Tag.digestHex
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @Index_()
    @Column_("varchar", {length: 8, nullable: false})
    state!: ContentState

    /**
     * reads that did not index it (IPFS unreachable, content missing, other bytes)
     */
    @IntColumn_({nullable: false})
    attempts!: number

    /**
     * when it is read next; null when no read is due
     */
    @Index_()
    @DateTimeColumn_({nullable: true})
    nextAttemptAt!: Date | undefined | null

    /**
     * why the last read did not index it
     */
    @StringColumn_({nullable: true})
    lastError!: string | undefined | null

    /**
     * the latest block of a record of this digest (Manifest or DigestInfoRecord) that was seen: a newer record is read again
     */
    @IntColumn_({nullable: false})
    lastRecordBlock!: number

    @DateTimeColumn_({nullable: false})
    discoveredAt!: Date

    @DateTimeColumn_({nullable: true})
    checkedAt!: Date | undefined | null

    /**
     * the CID whose bytes matched
     */
    @StringColumn_({nullable: true})
    cid!: string | undefined | null

    /**
     * recorded CIDs that hold other bytes
     */
    @StringColumn_({array: true, nullable: true})
    mismatchedCids!: (string)[] | undefined | null

    @StringColumn_({nullable: true})
    mediaType!: string | undefined | null

    @Column_("varchar", {length: 5, nullable: true})
    kind!: ManifestKind | undefined | null

    /**
     * the manifest's artifactType, else its config's media type unless that is an image config or the
     * empty config; null for container images (and indexes without one)
     */
    @Index_()
    @StringColumn_({nullable: true})
    artifactType!: string | undefined | null

    @StringColumn_({nullable: true})
    configMediaType!: string | undefined | null

    @StringColumn_({nullable: true})
    configDigest!: string | undefined | null

    /**
     * bytes of the manifest itself
     */
    @IntColumn_({nullable: true})
    size!: number | undefined | null

    /**
     * config plus layers, as pushed (compressed); for an index, the sum over its children once all are indexed
     */
    @BigIntColumn_({nullable: true})
    totalSize!: bigint | undefined | null

    @IntColumn_({nullable: true})
    layerCount!: number | undefined | null

    /**
     * the manifest's annotations (labels, description, keywords): key → value
     */
    @JSONColumn_({nullable: true})
    annotations!: unknown | undefined | null

    /**
     * the layers, with their titles (org.opencontainers.image.title)
     */
    @Column_("jsonb", {transformer: {to: obj => obj == null ? undefined : obj.map((val: any) => val.toJSON()), from: obj => obj == null ? undefined : marshal.fromList(obj, val => new ContentFile(undefined, marshal.nonNull(val)))}, nullable: true})
    files!: (ContentFile)[] | undefined | null

    /**
     * an index's manifests
     */
    @Column_("jsonb", {transformer: {to: obj => obj == null ? undefined : obj.map((val: any) => val.toJSON()), from: obj => obj == null ? undefined : marshal.fromList(obj, val => new ContentChild(undefined, marshal.nonNull(val)))}, nullable: true})
    children!: (ContentChild)[] | undefined | null

    /**
     * an index's platforms, os/architecture[/variant] (e.g. linux/arm64/v8), attestations left out
     */
    @StringColumn_({array: true, nullable: true})
    platforms!: (string)[] | undefined | null

    /**
     * the digest of the manifest this one refers to (signatures, SBOMs)
     */
    @StringColumn_({nullable: true})
    subject!: string | undefined | null
}

import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {Image} from "./image.model"
import {Tag} from "./tag.model"
import {Manifest} from "./manifest.model"
import {Account} from "./account.model"

/**
 * One ManifestDigestUpdated: a tag moved (or was first set) to a digest.
 */
@Entity_()
export class TagUpdate {
    constructor(props?: Partial<TagUpdate>) {
        Object.assign(this, props)
    }

    /**
     * event id
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    space!: Space

    @Index_()
    @ManyToOne_(() => Image, {nullable: true})
    image!: Image

    @Index_()
    @ManyToOne_(() => Tag, {nullable: true})
    tag!: Tag

    @Index_()
    @ManyToOne_(() => Manifest, {nullable: true})
    manifest!: Manifest | undefined | null

    @Index_()
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @StringColumn_({nullable: false})
    digestHex!: string

    /**
     * the digest the tag pointed at before (null for a new tag)
     */
    @StringColumn_({nullable: true})
    previousDigest!: string | undefined | null

    @StringColumn_({nullable: true})
    previousDigestHex!: string | undefined | null

    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    account!: Account

    /**
     * the account that pushed, as stated by whoever signed the extrinsic (pushedByStatedBy: for a push
     * through a gateway, the gateway, which knows it from the login) in a System.remark
     * "hcr:pushed-by:<address>" in the same batch. A statement, not checked on chain.
     */
    @StringColumn_({nullable: true})
    pushedBy!: string | undefined | null

    @StringColumn_({nullable: true})
    pushedByStatedBy!: string | undefined | null

    @Index_()
    @IntColumn_({nullable: false})
    blockNumber!: number

    @StringColumn_({nullable: false})
    blockHash!: string

    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    @StringColumn_({nullable: true})
    extrinsicHash!: string | undefined | null

    @StringColumn_({nullable: true})
    signer!: string | undefined | null

    @StringColumn_({nullable: true})
    proxy!: string | undefined | null
}

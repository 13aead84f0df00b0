import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {Image} from "./image.model"
import {Account} from "./account.model"

/**
 * A manifest of an image (ImageDigestToCidStored): digest → the CID recorded last by the space's owner.
 */
@Entity_()
export class Manifest {
    constructor(props?: Partial<Manifest>) {
        Object.assign(this, props)
    }

    /**
     * <image id>/<digest hex>
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
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @StringColumn_({nullable: false})
    digestHex!: string

    @Index_()
    @StringColumn_({nullable: true})
    cid!: string | undefined | null

    @StringColumn_({nullable: false})
    cidHex!: string

    /**
     * who recorded the current CID
     */
    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    account!: Account

    @IntColumn_({nullable: false})
    recordCount!: number

    @IntColumn_({nullable: false})
    firstBlockNumber!: number

    @DateTimeColumn_({nullable: false})
    firstTimestamp!: Date

    /**
     * context of the latest record
     */
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

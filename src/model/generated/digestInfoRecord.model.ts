import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Blob} from "./blob.model"
import {Space} from "./space.model"
import {DigestType} from "./_digestType"
import {Account} from "./account.model"

/**
 * One DigestInfoStored, kept for good: digest, type and CID, and who recorded them when.
 */
@Entity_()
export class DigestInfoRecord {
    constructor(props?: Partial<DigestInfoRecord>) {
        Object.assign(this, props)
    }

    /**
     * event id
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @ManyToOne_(() => Blob, {nullable: true})
    blob!: Blob

    /**
     * the space of the account that recorded it (the pallet checks ownership of repo_name)
     */
    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    space!: Space

    @Index_()
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @StringColumn_({nullable: false})
    digestHex!: string

    @Column_("varchar", {length: 4, nullable: false})
    digestType!: DigestType

    @Index_()
    @StringColumn_({nullable: true})
    cid!: string | undefined | null

    @StringColumn_({nullable: false})
    cidHex!: string

    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    account!: Account

    /**
     * who pushed, as stated in the same batch (see TagUpdate.pushedBy)
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

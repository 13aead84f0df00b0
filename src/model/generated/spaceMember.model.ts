import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, BooleanColumn as BooleanColumn_, IntColumn as IntColumn_, StringColumn as StringColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {Account} from "./account.model"

/**
 * One entry of a space's member list: the owner at creation, then one per MemberAdded (the pallet does not reject duplicates, so an account may appear more than once).
 */
@Entity_()
export class SpaceMember {
    constructor(props?: Partial<SpaceMember>) {
        Object.assign(this, props)
    }

    /**
     * the id of the event that added the member
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    space!: Space

    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    account!: Account

    @BooleanColumn_({nullable: false})
    isOwner!: boolean

    /**
     * position in the space's member list on chain
     */
    @IntColumn_({nullable: false})
    position!: number

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

import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, Index as Index_, ManyToOne as ManyToOne_, OneToMany as OneToMany_, BooleanColumn as BooleanColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Account} from "./account.model"
import {SpaceMember} from "./spaceMember.model"
import {Image} from "./image.model"

/**
 * A space (SpaceCreated): a repository namespace owned by one account.
 */
@Entity_()
export class Space {
    constructor(props?: Partial<Space>) {
        Object.assign(this, props)
    }

    /**
     * space_id (u128) in decimal
     */
    @PrimaryColumn_()
    id!: string

    /**
     * repo_name; not unique on chain
     */
    @Index_()
    @StringColumn_({nullable: true})
    name!: string | undefined | null

    @StringColumn_({nullable: false})
    nameHex!: string

    /**
     * the name and its parts split at / . _ - : (for the `search` query and searchText_containsInsensitive)
     */
    @StringColumn_({nullable: true})
    searchText!: string | undefined | null

    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    owner!: Account

    @OneToMany_(() => SpaceMember, e => e.space)
    members!: SpaceMember[]

    @OneToMany_(() => Image, e => e.space)
    images!: Image[]

    /**
     * whether this space claimed its name first: the lowest id among the spaces with this name
     * (ids grow with the block a space is created in). The owner's records are the name's records:
     * pulls of <name>/<image> resolve through them only. Set for every space (nullable only so that
     * an index made before this field could be upgraded in place).
     */
    @BooleanColumn_({nullable: true})
    isNameOwner!: boolean | undefined | null

    /**
     * for a shadow (a later space with the same name): the space that owns the name; null for an owner
     */
    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    shadowOf!: Space | undefined | null

    /**
     * the later spaces with this space's name, for an owner
     */
    @OneToMany_(() => Space, e => e.shadowOf)
    shadows!: Space[]

    /**
     * whether the pallet records writes for the name in this space: the first space with the name in
     * storage-key order (Blake2_128Concat of the id). When that is a shadow, chain storage under the
     * name may hold the shadow's records: the name is contested.
     */
    @BooleanColumn_({nullable: true})
    takesNameWrites!: boolean | undefined | null

    /**
     * on an owner whose name is contested: the shadow the pallet records the name's writes in now (since that space's blockNumber)
     */
    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    nameTakenBy!: Space | undefined | null

    /**
     * length of the space's member list on chain (the owner plus every MemberAdded, duplicates included)
     */
    @IntColumn_({nullable: false})
    memberCount!: number

    @IntColumn_({nullable: false})
    imageCount!: number

    @IntColumn_({nullable: false})
    tagCount!: number

    @IntColumn_({nullable: false})
    manifestCount!: number

    @IntColumn_({nullable: false})
    digestInfoCount!: number

    /**
     * when the space was created
     */
    @Index_()
    @IntColumn_({nullable: false})
    blockNumber!: number

    @StringColumn_({nullable: false})
    blockHash!: string

    @Index_()
    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    @StringColumn_({nullable: true})
    extrinsicHash!: string | undefined | null

    @StringColumn_({nullable: true})
    signer!: string | undefined | null

    @StringColumn_({nullable: true})
    proxy!: string | undefined | null

    /**
     * last block that changed this space or anything in it
     */
    @Index_()
    @IntColumn_({nullable: false})
    updatedAtBlock!: number

    @DateTimeColumn_({nullable: false})
    updatedAt!: Date
}

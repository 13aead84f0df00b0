import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, Index as Index_, ManyToOne as ManyToOne_, OneToMany as OneToMany_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
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

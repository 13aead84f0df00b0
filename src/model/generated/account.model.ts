import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, Index as Index_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {SpaceMember} from "./spaceMember.model"
import {Manifest} from "./manifest.model"
import {DigestInfoRecord} from "./digestInfoRecord.model"

/**
 * An account (SS58, prefix 42) that owns a space, is a member of one, or recorded something.
 */
@Entity_()
export class Account {
    constructor(props?: Partial<Account>) {
        Object.assign(this, props)
    }

    /**
     * SS58 address
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @StringColumn_({nullable: false})
    publicKey!: string

    /**
     * A space's owner may own one space (the pallet allows one per owner).
     */
    @OneToMany_(() => Space, e => e.owner)
    ownedSpaces!: Space[]

    @OneToMany_(() => SpaceMember, e => e.account)
    memberships!: SpaceMember[]

    @OneToMany_(() => Manifest, e => e.account)
    manifests!: Manifest[]

    @OneToMany_(() => DigestInfoRecord, e => e.account)
    digestInfoRecords!: DigestInfoRecord[]
}

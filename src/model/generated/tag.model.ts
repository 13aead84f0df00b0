import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, OneToMany as OneToMany_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {Image} from "./image.model"
import {Manifest} from "./manifest.model"
import {TagUpdate} from "./tagUpdate.model"

/**
 * A tag of an image and the digest it points at now (ManifestDigests on chain).
 */
@Entity_()
export class Tag {
    constructor(props?: Partial<Tag>) {
        Object.assign(this, props)
    }

    /**
     * <image id>/<tag hex>
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
    name!: string | undefined | null

    @StringColumn_({nullable: false})
    nameHex!: string

    @Index_()
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @StringColumn_({nullable: false})
    digestHex!: string

    @Index_()
    @ManyToOne_(() => Manifest, {nullable: true})
    manifest!: Manifest | undefined | null

    /**
     * every ManifestDigestUpdated of this tag, oldest first by id
     */
    @OneToMany_(() => TagUpdate, e => e.tag)
    history!: TagUpdate[]

    @IntColumn_({nullable: false})
    updateCount!: number

    @IntColumn_({nullable: false})
    createdAtBlock!: number

    @DateTimeColumn_({nullable: false})
    createdAt!: Date

    @Index_()
    @IntColumn_({nullable: false})
    updatedAtBlock!: number

    @DateTimeColumn_({nullable: false})
    updatedAt!: Date
}

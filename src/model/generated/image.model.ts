import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, OneToMany as OneToMany_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Space} from "./space.model"
import {Tag} from "./tag.model"
import {Manifest} from "./manifest.model"

/**
 * An image of a space (first seen in ManifestDigestUpdated).
 */
@Entity_()
export class Image {
    constructor(props?: Partial<Image>) {
        Object.assign(this, props)
    }

    /**
     * <space id>/<image name hex>
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @ManyToOne_(() => Space, {nullable: true})
    space!: Space

    @Index_()
    @StringColumn_({nullable: true})
    name!: string | undefined | null

    @StringColumn_({nullable: false})
    nameHex!: string

    /**
     * the space's name, then the image's name and its parts split at / . _ - : (for the `search` query and searchText_containsInsensitive)
     */
    @StringColumn_({nullable: true})
    searchText!: string | undefined | null

    @OneToMany_(() => Tag, e => e.image)
    tags!: Tag[]

    @OneToMany_(() => Manifest, e => e.image)
    manifests!: Manifest[]

    @IntColumn_({nullable: false})
    tagCount!: number

    @IntColumn_({nullable: false})
    manifestCount!: number

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

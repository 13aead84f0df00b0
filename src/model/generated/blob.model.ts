import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, Index as Index_, ManyToOne as ManyToOne_, OneToMany as OneToMany_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {DigestType} from "./_digestType"
import {Account} from "./account.model"
import {DigestInfoRecord} from "./digestInfoRecord.model"

/**
 * A digest as DigestInfoStorage holds it: global and last writer wins, with every recorded CID in `records`.
 */
@Entity_()
export class Blob {
    constructor(props?: Partial<Blob>) {
        Object.assign(this, props)
    }

    /**
     * digest hex
     */
    @PrimaryColumn_()
    id!: string

    @Index_()
    @StringColumn_({nullable: true})
    digest!: string | undefined | null

    @Column_("varchar", {length: 4, nullable: false})
    digestType!: DigestType

    @StringColumn_({nullable: true})
    cid!: string | undefined | null

    @StringColumn_({nullable: false})
    cidHex!: string

    /**
     * the last writer
     */
    @Index_()
    @ManyToOne_(() => Account, {nullable: true})
    account!: Account

    @OneToMany_(() => DigestInfoRecord, e => e.blob)
    records!: DigestInfoRecord[]

    @IntColumn_({nullable: false})
    recordCount!: number

    @Index_()
    @IntColumn_({nullable: false})
    updatedAtBlock!: number

    @DateTimeColumn_({nullable: false})
    updatedAt!: Date
}

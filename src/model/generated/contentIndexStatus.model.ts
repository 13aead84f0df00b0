import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"

/**
 * The content indexer's own state (one row, id 0).
 */
@Entity_()
export class ContentIndexStatus {
    constructor(props?: Partial<ContentIndexStatus>) {
        Object.assign(this, props)
    }

    @PrimaryColumn_()
    id!: string

    /**
     * the Kubo RPC API it reads from
     */
    @StringColumn_({nullable: false})
    ipfsApi!: string

    /**
     * whether IPFS answered the last time it was asked
     */
    @BooleanColumn_({nullable: false})
    ipfsReachable!: boolean

    /**
     * why IPFS could not be reached, while it cannot
     */
    @StringColumn_({nullable: true})
    lastError!: string | undefined | null

    /**
     * the finalized block up to which manifest records were looked for
     */
    @IntColumn_({nullable: false})
    discoveredToBlock!: number

    /**
     * the last time it wrote anything
     */
    @DateTimeColumn_({nullable: false})
    updatedAt!: Date
}

import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_} from "@subsquid/typeorm-store"

/**
 * The chain this index was built from (one row, id 0), written by the processor before it indexes anything: a gateway compares the genesis hash with its own chain's before it uses the index's answers, and the processor refuses to fill this database from another chain.
 */
@Entity_()
export class IndexedChain {
    constructor(props?: Partial<IndexedChain>) {
        Object.assign(this, props)
    }

    @PrimaryColumn_()
    id!: string

    /**
     * the hash of the chain's block #0, 0x and 64 lower-case hex digits
     */
    @StringColumn_({nullable: false})
    genesisHash!: string
}

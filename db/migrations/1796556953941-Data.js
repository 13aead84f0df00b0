module.exports = class Data1796556953941 {
    name = 'Data1796556953941'

    async up(db) {
        await db.query(`CREATE TABLE "indexed_chain" ("id" character varying NOT NULL, "genesis_hash" text NOT NULL, CONSTRAINT "PK_1d4f3a45984d8d0be67e38f5727" PRIMARY KEY ("id"))`)
    }

    async down(db) {
        await db.query(`DROP TABLE "indexed_chain"`)
    }
}

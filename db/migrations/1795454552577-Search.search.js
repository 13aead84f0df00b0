// Full-text indexes for the `search` query (src/server-extension/resolvers). Hand-written: the
// model has no way to declare an expression index. Kept out of migration generation by its
// `.search.js` name (scripts/generate-migration.ts), so the generator does not drop them.
module.exports = class Search1795454552577 {
    name = 'Search1795454552577'

    async up(db) {
        await db.query(`CREATE INDEX "IDX_space_search_text_fts" ON "space" USING GIN (to_tsvector('simple', coalesce("search_text", '')))`)
        await db.query(`CREATE INDEX "IDX_image_search_text_fts" ON "image" USING GIN (to_tsvector('simple', coalesce("search_text", '')))`)
    }

    async down(db) {
        await db.query(`DROP INDEX "IDX_image_search_text_fts"`)
        await db.query(`DROP INDEX "IDX_space_search_text_fts"`)
    }
}

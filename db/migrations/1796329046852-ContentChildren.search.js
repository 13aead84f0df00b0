// An index on index manifests' children (jsonb containment: which indexes list a digest), beside
// the generated table of manifest contents. The content indexer sums an index's total size when
// its last child is indexed, finding the indexes that list that child with `children @> …`
// (src/content-index/content-tables.ts): without this index that meant reading every index's
// children, made-up floods of tens of thousands included, on every pass. Hand-written: the model
// has no way to declare a GIN index. Kept out of migration generation by its `.search.js` name
// (scripts/generate-migration.ts), as the full-text indexes are, so the generator does not drop
// it. Only the content indexer writes this table, so the index costs the chain processor nothing.
module.exports = class ContentChildren1796329046852 {
    name = 'ContentChildren1796329046852'

    async up(db) {
        await db.query(`CREATE INDEX "IDX_manifest_content_children" ON "manifest_content" USING GIN ("children" jsonb_path_ops)`)
    }

    async down(db) {
        await db.query(`DROP INDEX "IDX_manifest_content_children"`)
    }
}

// An index on manifests' annotations for label filters (`key=value`, jsonb containment), beside
// the generated table of manifest contents. Hand-written: the model has no way to declare a GIN
// index. Kept out of migration generation by its `.search.js` name (scripts/generate-migration.ts),
// as the full-text indexes are, so the generator does not drop it. Only the content indexer
// writes this table, so the index costs the chain processor nothing.
module.exports = class ContentLabels1796329046851 {
    name = 'ContentLabels1796329046851'

    async up(db) {
        await db.query(`CREATE INDEX "IDX_manifest_content_annotations" ON "manifest_content" USING GIN ("annotations" jsonb_path_ops)`)
    }

    async down(db) {
        await db.query(`DROP INDEX "IDX_manifest_content_annotations"`)
    }
}

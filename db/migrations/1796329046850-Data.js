module.exports = class Data1796329046850 {
    name = 'Data1796329046850'

    async up(db) {
        await db.query(`CREATE TABLE "manifest_content" ("id" character varying NOT NULL, "digest" text, "state" character varying(8) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "last_record_block" integer NOT NULL, "discovered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "checked_at" TIMESTAMP WITH TIME ZONE, "cid" text, "mismatched_cids" text array, "media_type" text, "kind" character varying(5), "artifact_type" text, "config_media_type" text, "config_digest" text, "size" integer, "total_size" numeric, "layer_count" integer, "annotations" jsonb, "files" jsonb, "children" jsonb, "platforms" text array, "subject" text, CONSTRAINT "PK_b34302b7923f8987df513936d20" PRIMARY KEY ("id"))`)
        await db.query(`CREATE INDEX "IDX_0ffdeb6eda648dc5c523447498" ON "manifest_content" ("digest") `)
        await db.query(`CREATE INDEX "IDX_c12c2747623b826182be08615b" ON "manifest_content" ("state") `)
        await db.query(`CREATE INDEX "IDX_c5a2a3e997a9680ced3643150c" ON "manifest_content" ("next_attempt_at") `)
        await db.query(`CREATE INDEX "IDX_7b89d777c80f8372a2b863dbea" ON "manifest_content" ("artifact_type") `)
        await db.query(`CREATE TABLE "content_index_status" ("id" character varying NOT NULL, "ipfs_api" text NOT NULL, "ipfs_reachable" boolean NOT NULL, "last_error" text, "discovered_to_block" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a4048f336d822305a7efe611a8b" PRIMARY KEY ("id"))`)
    }

    async down(db) {
        await db.query(`DROP TABLE "manifest_content"`)
        await db.query(`DROP INDEX "public"."IDX_0ffdeb6eda648dc5c523447498"`)
        await db.query(`DROP INDEX "public"."IDX_c12c2747623b826182be08615b"`)
        await db.query(`DROP INDEX "public"."IDX_c5a2a3e997a9680ced3643150c"`)
        await db.query(`DROP INDEX "public"."IDX_7b89d777c80f8372a2b863dbea"`)
        await db.query(`DROP TABLE "content_index_status"`)
    }
}

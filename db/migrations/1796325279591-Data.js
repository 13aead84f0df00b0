module.exports = class Data1796325279591 {
    name = 'Data1796325279591'

    async up(db) {
        await db.query(`ALTER TABLE "tag_update" ADD "pushed_by" text`)
        await db.query(`ALTER TABLE "tag_update" ADD "pushed_by_stated_by" text`)
        await db.query(`ALTER TABLE "space" ADD "is_name_owner" boolean`)
        await db.query(`ALTER TABLE "space" ADD "takes_name_writes" boolean`)
        await db.query(`ALTER TABLE "space" ADD "shadow_of_id" character varying`)
        await db.query(`ALTER TABLE "space" ADD "name_taken_by_id" character varying`)
        await db.query(`ALTER TABLE "digest_info_record" ADD "pushed_by" text`)
        await db.query(`ALTER TABLE "digest_info_record" ADD "pushed_by_stated_by" text`)
        await db.query(`CREATE INDEX "IDX_d812c666a7cb959313229faf3f" ON "space" ("shadow_of_id") `)
        await db.query(`CREATE INDEX "IDX_7a9e1e9a2aced831d51cab51ab" ON "space" ("name_taken_by_id") `)
    }

    async down(db) {
        await db.query(`ALTER TABLE "tag_update" DROP COLUMN "pushed_by"`)
        await db.query(`ALTER TABLE "tag_update" DROP COLUMN "pushed_by_stated_by"`)
        await db.query(`ALTER TABLE "space" DROP COLUMN "is_name_owner"`)
        await db.query(`ALTER TABLE "space" DROP COLUMN "takes_name_writes"`)
        await db.query(`ALTER TABLE "space" DROP COLUMN "shadow_of_id"`)
        await db.query(`ALTER TABLE "space" DROP COLUMN "name_taken_by_id"`)
        await db.query(`ALTER TABLE "digest_info_record" DROP COLUMN "pushed_by"`)
        await db.query(`ALTER TABLE "digest_info_record" DROP COLUMN "pushed_by_stated_by"`)
        await db.query(`DROP INDEX "public"."IDX_d812c666a7cb959313229faf3f"`)
        await db.query(`DROP INDEX "public"."IDX_7a9e1e9a2aced831d51cab51ab"`)
    }
}

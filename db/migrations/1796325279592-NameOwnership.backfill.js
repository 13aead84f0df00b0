// Name ownership for spaces indexed before the processor recorded it (hand-written: it fills
// data, the generated migration before it adds the columns). For each name: the space with the
// lowest id owns it, the others are its shadows, and the space first in storage-key order
// (Blake2_128Concat of the u128 id) takes the name's writes on chain; when that is a shadow, the
// owner's name_taken_by_id names it. The processor computes the same for every new space
// (src/processor/state/name-ownership.ts).
const { blake2AsU8a } = require('@polkadot/util-crypto');
const { bnToU8a, u8aToHex } = require('@polkadot/util');

function storageOrderKey(id) {
    const encoded = bnToU8a(BigInt(id), { bitLength: 128, isLe: true });
    return u8aToHex(blake2AsU8a(encoded, 128)) + u8aToHex(encoded).slice(2);
}

module.exports = class NameOwnership1796325279592 {
    name = 'NameOwnership1796325279592'

    async up(db) {
        const rows = await db.query(`SELECT "id", "name_hex" FROM "space" WHERE "is_name_owner" IS NULL`);
        const byName = new Map();
        for (const row of rows) {
            const group = byName.get(row.name_hex) ?? [];
            group.push(row.id);
            byName.set(row.name_hex, group);
        }
        for (const ids of byName.values()) {
            const owner = ids.reduce((a, b) => (BigInt(b) < BigInt(a) ? b : a));
            const writer = ids.reduce((a, b) => (storageOrderKey(b) < storageOrderKey(a) ? b : a));
            for (const id of ids) {
                await db.query(
                    `UPDATE "space" SET "is_name_owner" = $2, "shadow_of_id" = $3, "takes_name_writes" = $4, "name_taken_by_id" = $5 WHERE "id" = $1`,
                    [id, id === owner, id === owner ? null : owner, id === writer, id === owner && writer !== owner ? writer : null],
                );
            }
        }
    }

    async down(db) {
        await db.query(`UPDATE "space" SET "is_name_owner" = NULL, "shadow_of_id" = NULL, "takes_name_writes" = NULL, "name_taken_by_id" = NULL`);
    }
}

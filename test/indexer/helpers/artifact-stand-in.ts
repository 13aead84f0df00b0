// A stand-in for Postgres behind the artifact resolvers, serving rows for their statements and
// counting the rows it hands out with manifest content: what the listing-cost suites measure.
// The statements themselves run against real Postgres in the custom-query and end-to-end suites.
import type { EntityManager } from 'typeorm';

export interface StandInRow {
  tagId: string;
  version: string;
  artifactId: string;
  [column: string]: unknown;
}

/** `manager` answers the artifact statements from `rows`; `handed.withContent` counts rows handed out with content. */
export function artifactStandIn(rows: readonly StandInRow[]): { manager: EntityManager; handed: { withContent: number } } {
  const handed = { withContent: 0 };
  const manager = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes('FROM tag_update')) return [];
      const withContent = /c\.annotations,\s*c\.files/.test(sql);
      const ids = /t\.id = ANY\(\$1/.test(sql) ? new Set(params[0] as string[]) : undefined;
      const chosen = ids ? rows.filter((row) => ids.has(row.tagId)) : rows;
      if (!withContent) {
        // The key columns only, as the statement that orders and pages selects them.
        return chosen.map(({ tagId, version, artifactId, name, spaceName, updatedAtBlock, updatedAt, artifactType }) => ({ tagId, version, artifactId, name, spaceName, updatedAtBlock, updatedAt, artifactType }));
      }
      handed.withContent += chosen.length;
      return chosen.map((row) => ({ ...row }));
    },
  } as unknown as EntityManager;
  return { manager, handed };
}

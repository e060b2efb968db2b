import type Database from 'better-sqlite3';

/** What the queries need of the database: prepared statements. */
export interface Sql {
  prepare(source: string): Database.Statement;
}

/**
 * Preparing a statement costs more than running it: a daemon polling 1,000 sources spent a fifth
 * of its CPU in prepare (bench/, polling). Statements are prepared once per SQL text and reused.
 */
export function cachedStatements(db: Database.Database): Sql {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(source) {
      let statement = cache.get(source);
      if (!statement) {
        statement = db.prepare(source);
        cache.set(source, statement);
      }
      return statement;
    },
  };
}

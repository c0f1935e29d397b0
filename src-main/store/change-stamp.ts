// "Has anything in the database changed since I last looked?" — a fraction of a microsecond
// for a private in-memory database, a few for a shared file. What lets the plugin service
// keep grants and installed plugins in memory between calls and still see a grant revoked,
// by this process or by another one (the CLI beside the app), on the very next call.
import type { Db } from './database.ts';

export class ChangeStamp {
  private readonly stmt;

  constructor(db: Db) {
    // total_changes(): rows this connection has inserted, updated or deleted, in any table,
    // by any statement (a cascade's own statement counts too). data_version: moves when
    // another connection commits. An in-memory database has no other connection.
    this.stmt = db
      .prepare<[], number | string>(db.memory ? 'SELECT total_changes()' : "SELECT total_changes() || ':' || data_version FROM pragma_data_version")
      .pluck();
  }

  /** Equal to the previous read exactly when nothing was written in between. */
  read(): number | string {
    return this.stmt.get()!;
  }
}

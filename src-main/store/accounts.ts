// Local accounts: who grants capabilities to plugins and owns plugin storage. 'local' (the
// desktop app's own account) always exists; others can be added for a shared laptop.
import { randomUUID } from 'node:crypto';
import type { Account } from '../../src-shared/contract/index.ts';
import type { Db } from './database.ts';

export class AccountStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  list(): Account[] {
    return (this.db.prepare("SELECT id, name, created_at FROM accounts ORDER BY id = 'local' DESC, created_at, id").all() as { id: string; name: string; created_at: string }[]).map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
    }));
  }

  create(name: string): Account {
    const account = { id: randomUUID(), name, createdAt: new Date().toISOString() };
    this.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(account.id, account.name, account.createdAt);
    return account;
  }
}

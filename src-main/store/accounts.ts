// Accounts and their API tokens. A token is shown once, when it is made; only its sha256
// is stored, so a copy of the database does not hand out working tokens. Tokens are 256
// random bits, so a plain hash (not a slow password hash) is the right tool: there is
// nothing to brute-force.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../platform/sha256.ts';
import { RaceError } from '../../src-shared/errors.ts';
import type { Db } from './database.ts';

export interface Account {
  id: string;
  name: string;
  createdAt: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewToken extends TokenInfo {
  /** The secret itself: printed once, never stored. */
  token: string;
}

export interface Caller {
  accountId: string;
  tokenId: string;
}

const TOKEN_PREFIX = 'race_';
/** last_used_at is a hint for humans: written at most this often per token, not per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const hashToken = (token: string): string => sha256Hex(token);

export class AccountStore {
  private readonly db: Db;
  private readonly byHash;
  private readonly touched = new Map<string, number>();

  constructor(db: Db) {
    this.db = db;
    // Looked up on every API request: prepared once.
    this.byHash = db.prepare<[string], { id: string; account_id: string }>('SELECT id, account_id FROM api_tokens WHERE token_hash = ?');
  }

  /** A new account with its first API token (a server's accounts); see addLocal for the desktop's. */
  create(name: string): Account & { token: NewToken } {
    let token!: NewToken;
    const account = this.db.transaction(() => {
      const a = this.addLocal(name);
      token = this.createToken(a.id, 'default');
      return a;
    })();
    return { ...account, token };
  }

  /** A new account without an API token: a second engineer's grants and storage on this machine. */
  addLocal(name: string): Account {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 100) throw new RaceError('BAD_ARGS', 'an account name is 1–100 characters');
    const account: Account = { id: `acct_${randomBytes(8).toString('hex')}`, name: trimmed, createdAt: new Date().toISOString() };
    this.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(account.id, account.name, account.createdAt);
    return account;
  }

  list(): (Account & { tokens: number })[] {
    return (
      this.db
        .prepare(
          `SELECT a.id, a.name, a.created_at, (SELECT COUNT(*) FROM api_tokens t WHERE t.account_id = a.id) AS tokens
             FROM accounts a ORDER BY a.created_at, a.id`,
        )
        .all() as { id: string; name: string; created_at: string; tokens: number }[]
    ).map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, tokens: r.tokens }));
  }

  get(id: string): Account | null {
    const r = this.db.prepare('SELECT id, name, created_at FROM accounts WHERE id = ?').get(id) as { id: string; name: string; created_at: string } | undefined;
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : null;
  }

  require(id: string): Account {
    const a = this.get(id);
    if (!a) throw new RaceError('NOT_FOUND', `account ${id} does not exist`);
    return a;
  }

  createToken(accountId: string, name: string): NewToken {
    this.require(accountId);
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 100) throw new RaceError('BAD_ARGS', 'a token name is 1–100 characters');
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const info: TokenInfo = { id: `tok_${randomBytes(6).toString('hex')}`, name: trimmed, createdAt: new Date().toISOString(), lastUsedAt: null };
    this.db
      .prepare('INSERT INTO api_tokens (id, account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(info.id, accountId, info.name, hashToken(token), info.createdAt);
    return { ...info, token };
  }

  tokens(accountId: string): TokenInfo[] {
    return (
      this.db.prepare('SELECT id, name, created_at, last_used_at FROM api_tokens WHERE account_id = ? ORDER BY created_at, id').all(accountId) as {
        id: string;
        name: string;
        created_at: string;
        last_used_at: string | null;
      }[]
    ).map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  revokeToken(accountId: string, tokenId: string): boolean {
    this.touched.delete(tokenId);
    return this.db.prepare('DELETE FROM api_tokens WHERE account_id = ? AND id = ?').run(accountId, tokenId).changes > 0;
  }

  /** Who a bearer token belongs to; null for an unknown or revoked token. */
  authenticate(token: string): Caller | null {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const row = this.byHash.get(hashToken(token));
    if (!row) return null;
    const now = Date.now();
    const last = this.touched.get(row.id) ?? 0;
    if (now - last > LAST_USED_RESOLUTION_MS) {
      this.touched.set(row.id, now);
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), row.id);
    }
    return { accountId: row.account_id, tokenId: row.id };
  }
}

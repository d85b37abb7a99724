// The identity of a database or HTTP call (what slow queries group by and N+1 counts): statements
// from real drivers and ORMs with their literals out, and HTTP calls with their ids out.
import { describe, expect, it } from 'vitest';
import { dbCallKey, httpCallKey, normaliseStatement } from '../../../electron/engine/analysis/bottlenecks/normalise.js';

describe('statement normaliser', () => {
  it.each([
    ["SELECT * FROM users WHERE id = 42 AND name = 'O''Brien'", 'SELECT * FROM users WHERE id = ? AND name = ?'],
    ['select id from t1 where x in (1, 2,3) and y=-3.5e2', 'select id from t1 where x in (?) and y=?'],
    ["SELECT 1 FROM t WHERE a IN ('a', 'b')", 'SELECT ? FROM t WHERE a IN (?)'],
    ["INSERT INTO orders (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'INSERT INTO orders (a, b) VALUES (?)'],
    ['SELECT "col1" FROM `tbl2` WHERE h = 0xDEADBEEF AND b = X\'00ff\'', 'SELECT "col1" FROM `tbl2` WHERE h = ? AND b = ?'],
    // Driver placeholders: psycopg's %s and %(name)s, asyncpg's $1, SQLAlchemy's :name; a cast stays.
    [
      'SELECT * FROM t WHERE a = $1 AND b = %s AND c = :name AND d = %(user)s AND e::text = 1',
      'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e::text = ?',
    ],
    // sqlcommenter's comment carries the trace id: it must not make every call distinct.
    ["SELECT * FROM t WHERE id = 7 /*traceparent='00-4bf9-01'*/", 'SELECT * FROM t WHERE id = ?'],
    ["SELECT a -- the 'x' column\n  FROM t", 'SELECT a FROM t'],
    // Names with digits are names.
    ['SELECT t2.col_3 FROM schema1.t2', 'SELECT t2.col_3 FROM schema1.t2'],
    ['GET user:123', 'GET user:?'],
  ])('%s', (statement, expected) => {
    expect(normaliseStatement(statement)).toBe(expected);
  });

  it('falls back to the operation and collection, then the span name', () => {
    expect(dbCallKey({ 'db.system': 'mongodb', 'db.operation': 'find', 'db.mongodb.collection': 'carts' }, 'find')).toBe('find carts');
    expect(dbCallKey({ 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders' }, 'x')).toBe(
      'SELECT orders',
    );
    expect(dbCallKey({ 'db.system': 'redis' }, 'HGETALL')).toBe('HGETALL');
    expect(dbCallKey({ 'db.query.text': 'SELECT 1', 'db.statement': 'other' }, 'x')).toBe('SELECT ?');
  });
});

describe('HTTP call keys', () => {
  it.each([
    [{ 'http.request.method': 'GET', 'url.full': 'http://api:8080/users/42/orders?page=2' }, 'GET api:8080/users/{id}/orders'],
    [{ 'http.method': 'POST', 'http.url': 'http://api/items/3f2a9c1e-1111-2222-3333-444455556666' }, 'POST api/items/{id}'],
    [
      { 'http.request.method': 'GET', 'server.address': 'prices', 'url.template': '/prices/{sku}', 'url.full': 'http://prices/prices/A1' },
      'GET prices/prices/{sku}',
    ],
    [
      { 'http.method': 'GET', 'net.peer.name': 'cdn', 'http.target': '/img/9f86d081884c7d659a2feaa0c55ad015.png' },
      'GET cdn/img/9f86d081884c7d659a2feaa0c55ad015.png',
    ],
    [{ 'http.method': 'GET', 'net.peer.name': 'cdn', 'http.target': '/blob/9f86d081884c7d65' }, 'GET cdn/blob/{id}'],
    [{ 'http.request.method': 'DELETE', 'server.address': 'cache' }, 'DELETE cache'],
  ])('%j', (attrs, expected) => {
    expect(httpCallKey(attrs)).toBe(expected);
  });

  it('is no HTTP call without a method', () => {
    expect(httpCallKey({ 'url.full': 'http://x/y' })).toBeUndefined();
  });
});

package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps each query prepared once per pool: parsing SQL is a fifth of
// the accept path's CPU otherwise, and the committer serves every writer.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// pending are the queries being prepared; close waits for them, so that
	// no preparation opens a connection after the store closed.
	pending map[string]bool
	wg      sync.WaitGroup
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns q's prepared statement, or nil when it is not prepared yet; then
// it prepares q in the background and the caller runs q unprepared this once.
// It never waits for a connection: a transaction holds one of the pool's
// connections, and when every connection is held by a transaction waiting to
// prepare on one more, the pool deadlocks (a burst of Views on a cold cache).
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if c.m != nil && !c.pending[q] {
		c.pending[q] = true
		c.wg.Add(1)
		go c.prepare(q)
	}
	return nil
}

func (c *stmtCache) prepare(q string) {
	defer c.wg.Done()
	st, err := c.db.PrepareContext(context.Background(), q)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, q)
	switch {
	case err != nil: // the next use tries again, and runs q unprepared meanwhile
	case c.m == nil: // closed meanwhile
		st.Close()
	default:
		c.m[q] = st
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
	c.mu.Unlock()
	c.wg.Wait()
}

// cachedTx runs queries of a transaction through the cache; database/sql binds
// each cached statement to the transaction's connection once.
type cachedTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

func (c cachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := c.cache.lookup(q); st != nil {
		return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, q, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.cache.lookup(q); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, q, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.cache.lookup(q); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, q, args...)
}

// onceDB runs one statement on the pool, outside a transaction (Store.Peek).
type onceDB struct {
	db    *sql.DB
	cache *stmtCache
	used  bool
}

func (c *onceDB) once() {
	if c.used {
		panic("store: Peek ran a second statement; use View")
	}
	c.used = true
}

func (c *onceDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return nil, errReadOnly
}

func (c *onceDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.once()
	if st := c.cache.lookup(q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *onceDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.once()
	if st := c.cache.lookup(q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

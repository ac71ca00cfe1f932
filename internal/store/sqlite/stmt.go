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
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// cachedTx runs queries of a transaction through the cache; database/sql binds
// each cached statement to the transaction's connection once.
type cachedTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

func (c cachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := c.cache.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := c.cache.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := c.cache.get(ctx, q)
	if err != nil {
		// Let database/sql report the same error through the row.
		return c.tx.QueryRowContext(ctx, q, args...)
	}
	return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

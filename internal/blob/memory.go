package blob

import (
	"context"
	"sync"
)

// Memory is an in-memory Store for tests. It names content exactly as FS does
// with the same master key, checks IDs the same way, and reports the size FS
// would store, but keeps plaintext and makes nothing durable.
type Memory struct {
	keys *keys
	mu   sync.RWMutex
	m    map[ID][]byte
}

// NewMemory returns an empty in-memory store. It panics if masterKey is not
// KeySize bytes long: a test's mistake, and tests want the short signature.
func NewMemory(masterKey []byte) *Memory {
	k, err := newKeys(masterKey)
	if err != nil {
		panic(err)
	}
	return &Memory{keys: k, m: make(map[ID][]byte)}
}

// Put stores a copy of data; see Store.
func (s *Memory) Put(ctx context.Context, data []byte) (ID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	id := s.keys.id(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		// A copy: the caller may reuse its buffer, and stored blobs are
		// immutable.
		s.m[id] = append([]byte{}, data...)
	}
	return id, nil
}

// Sync does nothing: memory is never durable, and tests need no more.
func (s *Memory) Sync(ctx context.Context) error { return ctx.Err() }

// Get returns a copy of the content; see Store.
func (s *Memory) Get(ctx context.Context, id ID) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	b, ok := s.m[id]
	s.mu.RUnlock()
	if !ok {
		return nil, notFound(id)
	}
	return append([]byte{}, b...), nil
}

// Stat reports the size FS would store for the blob; see Store.
func (s *Memory) Stat(ctx context.Context, id ID) (int64, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	b, ok := s.m[id]
	s.mu.RUnlock()
	if !ok {
		return 0, notFound(id)
	}
	return int64(len(b) + overhead), nil
}

// Delete removes the blob; see Store.
func (s *Memory) Delete(ctx context.Context, id ID) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
	return nil
}

// Compile-time proof that both stores implement Store.
var (
	_ Store = (*FS)(nil)
	_ Store = (*Memory)(nil)
)

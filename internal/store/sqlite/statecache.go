package sqlite

import "github.com/siegel-mail/siegel/internal/store"

// stateCache keeps the committer's view of AccountState, which every accept
// re-checks for its sender and each recipient inside the transaction. It is
// correct without locks or timeouts because the committer is the only writer
// (one process per data folder, one committer per store) and the only user: an
// account written in the current group is read from the database until the
// group ends, and then dropped from the cache.
type stateCache struct {
	byID     map[string]store.AccountState
	idByAddr map[string]string
	addrByID map[string]string
	touched  map[string]bool
}

// maxCachedStates bounds the cache's memory (about 100 bytes an entry).
const maxCachedStates = 200_000

func newStateCache() *stateCache {
	return &stateCache{byID: map[string]store.AccountState{}, idByAddr: map[string]string{},
		addrByID: map[string]string{}, touched: map[string]bool{}}
}

func (c *stateCache) get(id, addr string) (store.AccountState, bool) {
	if id == "" {
		id = c.idByAddr[addr]
	}
	if id == "" || c.touched[id] {
		return store.AccountState{}, false
	}
	st, ok := c.byID[id]
	return st, ok
}

func (c *stateCache) put(addr string, st store.AccountState) {
	if c.touched[st.ID] {
		return
	}
	if len(c.byID) >= maxCachedStates {
		clear(c.byID)
		clear(c.idByAddr)
		clear(c.addrByID)
	}
	c.byID[st.ID] = st
	if addr != "" {
		c.idByAddr[addr] = st.ID
		c.addrByID[st.ID] = addr
	}
}

// touch marks an account written in the current group.
func (c *stateCache) touch(id string) { c.touched[id] = true }

// endGroup drops what the group wrote, committed or not.
func (c *stateCache) endGroup() {
	for id := range c.touched {
		delete(c.byID, id)
		if addr, ok := c.addrByID[id]; ok {
			delete(c.idByAddr, addr)
			delete(c.addrByID, id)
		}
	}
	clear(c.touched)
}

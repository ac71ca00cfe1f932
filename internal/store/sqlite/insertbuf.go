package sqlite

import "github.com/siegel-mail/siegel/internal/store"

// insertBuffer holds a group's new letters, copies and events while its
// functions run without savepoints, and inserts them with a few multi-row
// statements: on the accept path a statement costs more than the rows in it.
// Any other use of those tables flushes the buffer first, so a function always
// sees what it and the group's earlier functions inserted. An insert that fails
// at the flush fails the group, which is then retried with savepoints and no
// buffer, where the error reaches the function that caused it.
type insertBuffer struct {
	letters []*store.Letter
	copies  []*store.Copy
	events  []*store.Event
}

// flush inserts what t's group buffered. Letters go first: copies refer to them.
func (t *txn) flush() error {
	b := t.buf
	if b == nil || len(b.letters)+len(b.copies)+len(b.events) == 0 {
		return nil
	}
	ls, cs, es := b.letters, b.copies, b.events
	b.letters, b.copies, b.events = nil, nil, nil
	// Insert through a transaction view without the buffer.
	u := *t
	u.buf = nil
	if err := insertLetters(&u, ls); err != nil {
		return err
	}
	if err := insertCopies(&u, cs); err != nil {
		return err
	}
	return insertEvents(&u, es)
}

package store

import (
	"encoding/json"
	"time"

	"github.com/siegel-mail/siegel/internal/search"
)

// SearchTx finds mailbox copies through the search index (TR PVD-FU
// §3.1.3.8; package search says what a term is).
//
// The index is derived data, kept by the store itself in the transaction
// that changes what it describes, so that no caller can forget it: its terms
// for a letter are computed by InsertLetter (LetterTerms), and each copy's
// rows follow the copy through InsertCopy, UpdateCopy (folder, read, picked
// up) and DeleteCopy (on both stores by triggers in the schema). A closed
// account's rows go when its status becomes closed: nobody can search its
// mailbox any more. Copies held for another provider (Relay) are never
// indexed. Letters written before the index existed are indexed when the
// store is opened (the migration that made the index lists them).
type SearchTx interface {
	// SearchCopies lists q.AccountID's copies that match q, newest first
	// (Arrived, then ID, both descending, as ListCopies), at most q.Limit,
	// each with its letter.
	SearchCopies(q *SearchQuery) ([]Copy, error)
}

// SearchQuery is a search in one mailbox.
type SearchQuery struct {
	AccountID string
	// Conds must all match; none matches every copy.
	Conds []search.Cond
	// After and Before bound the arrival: [After, Before); a zero bound is
	// open.
	After, Before time.Time
	// Folder is the one folder searched; "" searches every folder of the
	// mailbox but the trash, and the trash too with IncludeTrash.
	Folder       Folder
	IncludeTrash bool
	// ContentHidden: the session is at normal, so a copy whose content it
	// may not see (a personal letter for its recipient; mailbox.Hidden)
	// matches only in search.Shown fields (DMG §5(4)).
	ContentHidden bool
	// Before pages: only copies older than this one, as ListCopies.
	Cursor *Cursor
	Limit  int
}

// LetterTerms are l's index terms as the stores keep them: JSON objects
// of term to search.Field, for the copies of its recipients and for its
// sender's own copy (nil when the same). Recipients is the letter's
// {"to","cc","bcc"} JSON; a letter whose recipients do not parse is indexed
// without them.
func LetterTerms(l *Letter) (received, sent []byte, err error) {
	var r struct{ To, Cc, Bcc []string }
	_ = json.Unmarshal(l.Recipients, &r)
	sl := search.Letter{Sender: l.SenderAddress, Subject: l.Subject, FileNumber: l.PrivateID, To: r.To, Cc: r.Cc,
		Bcc: r.Bcc, Personal: l.Personal, SenderConfirmed: l.SenderConfirmed, DispatchConfirmation: l.DispatchConfirmation,
		ReceiptConfirmation: l.ReceiptConfirmation, PickupConfirmation: l.PickupConfirmation}
	rec, snt := sl.Terms()
	if received, err = json.Marshal(rec); err != nil {
		return nil, nil, err
	}
	if snt != nil {
		sent, err = json.Marshal(snt)
	}
	return received, sent, err
}

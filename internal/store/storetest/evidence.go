package storetest

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

var evidenceTests = []test{
	{"RoundTrip", testEvidenceRoundTrip},
	{"OnePerEventAndCopy", testEvidenceOnePerEvent},
	{"WriteFailsInView", testEvidenceReadOnly},
}

func evidenceRecord(id, letter, copyID, event string, d int) *store.Evidence {
	return &store.Evidence{ID: id, LetterID: letter, CopyID: copyID, EventID: event, Event: "ContentConsignment",
		At: at(time.Duration(-d) * time.Second), File: []byte{0x30, 0x03, 0x02, 0x01, byte(d)},
		ConfirmationID: "conf-" + id, CreatedAt: at(0)}
}

// testEvidenceRoundTrip: evidence comes back as stored, a letter's in event
// order, and evidence of another letter does not list.
func testEvidenceRoundTrip(t *testing.T, s store.Store) {
	a := evidenceRecord("ev-a", "letter-1", "copy-1", "event-1", 1) // the later event
	b := evidenceRecord("ev-b", "letter-1", "copy-2", "event-2", 2)
	b.Event, b.ConfirmationID = "SubmissionAcceptance", ""
	other := evidenceRecord("ev-c", "letter-2", "copy-3", "event-3", 3)
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertEvidence(a); err != nil {
			return err
		}
		if err := tx.InsertEvidence(b); err != nil {
			return err
		}
		return tx.InsertEvidence(other)
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.EvidenceByID("ev-a")
		if err != nil {
			return err
		}
		check(t, "EvidenceByID", got, a)
		list, err := tx.EvidenceOfLetter("letter-1")
		if err != nil {
			return err
		}
		check(t, "EvidenceOfLetter", list, []store.Evidence{*b, *a})
		_, err = tx.EvidenceByID("nope")
		wantErr(t, "EvidenceByID(missing)", err, store.ErrNotFound)
		none, err := tx.EvidenceOfLetter("letter-9")
		if len(none) != 0 {
			t.Errorf("EvidenceOfLetter(no evidence) = %d records", len(none))
		}
		return err
	})
}

// testEvidenceOnePerEvent: a second evidence for the same event and copy is a
// conflict (a job that ran twice), for another copy of the same event it is not.
func testEvidenceOnePerEvent(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.InsertEvidence(evidenceRecord("ev-1", "letter-1", "copy-1", "event-1", 1))
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertEvidence(evidenceRecord("ev-2", "letter-1", "copy-1", "event-1", 1))
	})
	wantErr(t, "InsertEvidence(same event and copy)", err, store.ErrConflict)
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertEvidence(evidenceRecord("ev-1", "letter-1", "copy-9", "event-9", 1))
	})
	wantErr(t, "InsertEvidence(same id)", err, store.ErrConflict)
	update(t, s, func(tx store.Tx) error {
		return tx.InsertEvidence(evidenceRecord("ev-3", "letter-1", "copy-2", "event-1", 1))
	})
}

func testEvidenceReadOnly(t *testing.T, s store.Store) {
	err := s.View(t.Context(), func(tx store.Tx) error {
		return tx.InsertEvidence(evidenceRecord("ev-1", "letter-1", "copy-1", "event-1", 1))
	})
	if err == nil {
		t.Error("InsertEvidence in View succeeded")
	}
}

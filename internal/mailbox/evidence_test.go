package mailbox

import (
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

func TestSortEvidence(t *testing.T) {
	t0 := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	item := func(copyID, event string, at time.Duration) EvidenceItem {
		return EvidenceItem{Evidence: store.Evidence{ID: copyID + "/" + event, CopyID: copyID, Event: event, At: t0.Add(at)}}
	}
	items := []EvidenceItem{
		// Copy r1 at another provider: its receipt dated by that
		// provider's clock before the handover by ours.
		item("r1", "ContentConsignment", 10*time.Millisecond),
		item("r1", "RelayAcceptance", 12*time.Millisecond),
		item("r1", "SubmissionAcceptance", 0),
		item("r2", "SubmissionAcceptance", 0),
		item("r2", "ContentConsignment", 0),
		item("r1", "ContentHandover", time.Hour),
		item("r2", "ContentHandover", 30*time.Minute),
	}
	sortEvidence(items)
	var got []string
	for _, it := range items {
		got = append(got, it.ID)
	}
	want := []string{"r1/SubmissionAcceptance", "r2/SubmissionAcceptance", "r2/ContentConsignment",
		"r1/RelayAcceptance", "r1/ContentConsignment", "r2/ContentHandover", "r1/ContentHandover"}
	if !slices.Equal(got, want) {
		t.Fatalf("order\n%v\nwant\n%v", got, want)
	}
	if !items[4].At.Equal(t0.Add(10 * time.Millisecond)) {
		t.Errorf("the times shown changed: %v", items[4].At)
	}
}

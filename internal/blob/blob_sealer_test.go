package blob_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/siegel-mail/siegel/internal/blob"
)

func TestSealerMatchesFS(t *testing.T) {
	key, _ := blob.NewKey()
	s, err := blob.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := blob.NewFS(t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	data := bytes.Repeat([]byte("Bescheid "), 600)
	id, sealed, err := s.Seal(data)
	if err != nil {
		t.Fatal(err)
	}
	fid, err := fs.Put(context.Background(), data)
	if err != nil || fid != id {
		t.Fatalf("FS names the content %s, the sealer %s (%v)", fid, id, err)
	}
	got, err := s.Open(id, sealed)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("open: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(id, sealed); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("tampered: %v", err)
	}
	other, _, _ := s.Seal([]byte("other"))
	if _, err := s.Open(other, sealed); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("wrong id: %v", err)
	}
	if _, err := s.Open("../x", sealed); !errors.Is(err, blob.ErrInvalidID) {
		t.Fatalf("bad id: %v", err)
	}
}

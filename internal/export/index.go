package export

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Format names the archive's layout in index.json; ReadIndex refuses
// another.
const Format = "siegel-export/1"

// The index's files in an archive, written after everything else.
const (
	IndexJSON = "index.json"
	IndexText = "index.txt"
)

// MaxIndex bounds index.json when it is read: some 300 bytes an entry,
// room for a million entries.
const MaxIndex = 512 << 20

// Types of index entry.
const (
	TypeLetter   = "letter"   // a copy in one of the account's folders
	TypeEvidence = "evidence" // a signed evidence file (DER CMS, CAdES B-T)
)

// WithheldPersonal is Entry.Withheld of a personal letter exported below
// high: its content, subject and evidence are left out, as they are from
// every view at that level (DMG §5(4); TR PVD-FU §3.3.2).
const WithheldPersonal = "personal"

// Index is index.json: who was exported, when, at which login level, and
// every file with its SHA-256, letters and evidence in the order written
// (each letter followed by the evidence that is about it).
type Index struct {
	Format   string    `json:"format"`      // Format
	Account  string    `json:"account"`     // the holder's address
	Provider string    `json:"provider"`    // the provider's domain
	Created  time.Time `json:"created"`     // when the export began
	Level    string    `json:"login_level"` // of the session that exported: normal or high
	Files    []Entry   `json:"files"`
	Letters  int       `json:"letters"`  // letter entries with a file
	Evidence int       `json:"evidence"` // evidence entries
	Withheld int       `json:"withheld"` // letter entries without a file (Entry.Withheld)
}

// Entry is one letter or evidence file of an archive.
type Entry struct {
	Type   string `json:"type"`             // TypeLetter or TypeEvidence
	Path   string `json:"path,omitempty"`   // the file in the archive; "" for a letter withheld
	SHA256 string `json:"sha256,omitempty"` // of the file, hex
	Size   int64  `json:"size,omitempty"`   // of the file, bytes

	// A letter: one copy in one folder.
	Kind      string     `json:"kind,omitempty"` // KindLetter, KindConfirmation or KindMessage; "" when withheld
	Folder    string     `json:"folder,omitempty"`
	CopyID    string     `json:"copy_id,omitempty"` // the id in the API's /letters/{id}
	LetterID  string     `json:"letter_id,omitempty"`
	MessageID string     `json:"message_id,omitempty"` // X-de-mail-message-id
	Role      string     `json:"role,omitempty"`       // the holder's: sender, to, cc or bcc
	From      string     `json:"from,omitempty"`       // the sender's address
	Subject   string     `json:"subject,omitempty"`
	Arrived   *time.Time `json:"arrived,omitempty"`
	Personal  bool       `json:"personal,omitempty"`
	Options   []string   `json:"options,omitempty"`    // the other dispatch options: sender_confirmed, dispatch_confirmation …
	PrivateID string     `json:"private_id,omitempty"` // the sender's file number
	// Withheld says why the letter's content is not in the archive
	// (WithheldPersonal); only its sender, arrival and folder are listed.
	Withheld string `json:"withheld,omitempty"`

	// An evidence file.
	EvidenceID string     `json:"evidence_id,omitempty"`
	Event      string     `json:"event,omitempty"` // ETSI EN 319 522 event, e.g. ContentConsignment
	At         *time.Time `json:"at,omitempty"`    // the event's time
	Recipient  string     `json:"recipient,omitempty"`
	// Letter is the path of the letter the evidence is about, and
	// Confirmation that of the confirmation message that carried it, ""
	// when the holder has none (deleted, or never had one).
	Letter       string `json:"letter,omitempty"`
	Confirmation string `json:"confirmation,omitempty"`
}

// ReadIndex reads index.json and checks its shape: the format, each
// entry's type, path and hash. It does not look at the files.
func ReadIndex(r io.Reader) (*Index, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxIndex+1))
	var idx Index
	if err := dec.Decode(&idx); err != nil {
		return nil, fmt.Errorf("%s: %v", IndexJSON, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", IndexJSON)
	}
	if idx.Format != Format {
		return nil, fmt.Errorf("%s: format %.40q, not %s", IndexJSON, idx.Format, Format)
	}
	for i := range idx.Files {
		if err := idx.Files[i].check(); err != nil {
			return nil, fmt.Errorf("%s: file %d: %v", IndexJSON, i+1, err)
		}
	}
	return &idx, nil
}

// check checks one entry's shape.
func (e *Entry) check() error {
	switch e.Type {
	case TypeLetter:
		if e.Path == "" {
			if e.Withheld == "" {
				return errors.New("a letter without a path that is not withheld")
			}
			return nil
		}
		switch e.Kind {
		case KindLetter, KindConfirmation, KindMessage:
		default:
			return fmt.Errorf("%s: kind %.40q", e.Path, e.Kind)
		}
	case TypeEvidence:
		if e.Path == "" {
			return errors.New("evidence without a path")
		}
	default:
		return fmt.Errorf("type %.40q, not letter or evidence", e.Type)
	}
	if err := CheckPath(e.Path); err != nil {
		return err
	}
	if e.Withheld != "" {
		return fmt.Errorf("%s: withheld, yet with a file", e.Path)
	}
	if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != 32 {
		return fmt.Errorf("%s: sha256 %.70q is not a hex SHA-256", e.Path, e.SHA256)
	}
	return nil
}

// CheckPath checks a file name in an archive: relative, clean, of the
// characters the exporter writes, and not one of the index's own files.
func CheckPath(p string) error {
	switch {
	case p == "" || len(p) > 300:
		return fmt.Errorf("path %.60q: empty or too long", p)
	case path.Clean(p) != p || path.IsAbs(p) || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %.60q is not a clean relative path", p)
	case p == IndexJSON || p == IndexText:
		return fmt.Errorf("path %s is the index's own", p)
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-~/", r)) {
			return fmt.Errorf("path %.60q has the character %q", p, r)
		}
	}
	return nil
}

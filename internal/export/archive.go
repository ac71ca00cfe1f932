package export

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Archive writes an account archive: a zip file (PKWARE APPNOTE), written
// as a stream, each entry's sizes and CRC in a data descriptor after it,
// so that it goes straight into an HTTP response. Its files:
//
//	inbox/<copy id>.eml            each letter of each folder, as stored
//	sent/…, trash/…, confirmations/…
//	evidence/<event>-<id>.p7m      each evidence file the holder may have
//	index.json                     Index: every file with its SHA-256
//	index.txt                      the same for people
//
// The index comes last, since it is known only at the end. Until then its
// entries wait in a temporary file, not in memory: an account of any size
// is exported in the memory of its largest letter.
type Archive struct {
	zw    *zip.Writer
	head  Index
	spool *os.File
	buf   *bufio.Writer
	done  bool
}

// NewArchive starts an archive on w. head gives the account, provider,
// time and login level; the spool goes into tempDir ("" for the system's).
func NewArchive(w io.Writer, head Index, tempDir string) (*Archive, error) {
	f, err := os.CreateTemp(tempDir, "siegel-export-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("export: index spool: %w", err)
	}
	head.Format, head.Files = Format, nil
	head.Letters, head.Evidence, head.Withheld = 0, 0, 0
	head.Created = head.Created.UTC()
	return &Archive{zw: zip.NewWriter(w), head: head, spool: f, buf: bufio.NewWriterSize(f, 64<<10)}, nil
}

// AddLetter writes a letter, e.Path (LetterPath) with raw, the copy as
// stored, and lists it; Kind, SHA256 and Size are filled in here.
func (a *Archive) AddLetter(e Entry, raw []byte) error {
	e.Type = TypeLetter
	if e.Kind == "" {
		e.Kind = KindOf(raw)
	}
	modified := a.head.Created
	if e.Arrived != nil {
		modified = *e.Arrived
	}
	if err := a.add(&e, raw, modified); err != nil {
		return err
	}
	a.head.Letters++
	return nil
}

// AddEvidence writes an evidence file, e.Path (EvidencePath), and lists
// it.
func (a *Archive) AddEvidence(e Entry, file []byte) error {
	e.Type = TypeEvidence
	modified := a.head.Created
	if e.At != nil {
		modified = *e.At
	}
	if err := a.add(&e, file, modified); err != nil {
		return err
	}
	a.head.Evidence++
	return nil
}

// AddWithheld lists a letter whose content is left out (Entry.Withheld):
// no file, no subject, no options but personal.
func (a *Archive) AddWithheld(e Entry) error {
	e.Type, e.Path, e.Kind = TypeLetter, "", ""
	e.Subject, e.MessageID, e.Options, e.PrivateID = "", "", nil, ""
	if e.Withheld == "" {
		e.Withheld = WithheldPersonal
	}
	if err := a.list(&e); err != nil {
		return err
	}
	a.head.Withheld++
	return nil
}

func (a *Archive) add(e *Entry, data []byte, modified time.Time) error {
	if a.done {
		return errors.New("export: archive already closed")
	}
	if err := CheckPath(e.Path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sum := sha256.Sum256(data)
	e.SHA256, e.Size = hex.EncodeToString(sum[:]), int64(len(data))
	w, err := a.zw.CreateHeader(&zip.FileHeader{Name: e.Path, Method: zip.Deflate, Modified: modified.UTC()})
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return a.list(e)
}

// list spools one index entry: a line of JSON.
func (a *Archive) list(e *Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	a.buf.Write(b)
	return a.buf.WriteByte('\n')
}

// Counts are the entries so far: letters with a file, evidence files, and
// letters withheld.
func (a *Archive) Counts() (letters, evidence, withheld int) {
	return a.head.Letters, a.head.Evidence, a.head.Withheld
}

// Close writes the index and the zip's central directory, and removes
// the spool. The archive is complete only when Close returns nil.
func (a *Archive) Close() error {
	if a.done {
		return nil
	}
	defer a.Abort()
	if err := a.buf.Flush(); err != nil {
		return fmt.Errorf("export: index spool: %w", err)
	}
	if err := a.writeJSON(); err != nil {
		return err
	}
	if err := a.writeText(); err != nil {
		return err
	}
	a.done = true
	return a.zw.Close()
}

// Abort removes the spool of an archive left unfinished (after Close, it
// does nothing more).
func (a *Archive) Abort() {
	if a.spool != nil {
		a.spool.Close()
		os.Remove(a.spool.Name())
		a.spool = nil
	}
	a.done = true
}

// entries calls fn with each spooled entry's JSON line.
func (a *Archive) entries(fn func(line []byte) error) error {
	if _, err := a.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(a.spool, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if err := fn(line[:len(line)-1]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// writeJSON writes index.json: the head, then the spooled entries, one a
// line, then the counts.
func (a *Archive) writeJSON() error {
	w, err := a.zw.CreateHeader(&zip.FileHeader{Name: IndexJSON, Method: zip.Deflate, Modified: a.head.Created})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	head, err := json.Marshal(struct {
		Format   string    `json:"format"`
		Account  string    `json:"account"`
		Provider string    `json:"provider"`
		Created  time.Time `json:"created"`
		Level    string    `json:"login_level"`
	}{a.head.Format, a.head.Account, a.head.Provider, a.head.Created, a.head.Level})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1]) // without its closing brace
	bw.WriteString(`,"files":[`)
	first := true
	err = a.entries(func(line []byte) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n")
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return fmt.Errorf("export: index spool: %w", err)
	}
	fmt.Fprintf(bw, "\n],\"letters\":%d,\"evidence\":%d,\"withheld\":%d}\n", a.head.Letters, a.head.Evidence, a.head.Withheld)
	return bw.Flush()
}

// writeText writes index.txt: the same as index.json, for people.
func (a *Archive) writeText() error {
	w, err := a.zw.CreateHeader(&zip.FileHeader{Name: IndexText, Method: zip.Deflate, Modified: a.head.Created})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	h := a.head
	fmt.Fprintf(bw, "Siegel: Export eines Postfachs / export of a registered-mail account\r\n\r\n")
	fmt.Fprintf(bw, "Account:       %s\r\nProvider:      %s\r\nExported:      %s\r\nLogin level:   %s\r\n",
		h.Account, h.Provider, h.Created.Format(time.RFC3339), h.Level)
	fmt.Fprintf(bw, "Letters:       %d\r\nEvidence:      %d\r\n", h.Letters, h.Evidence)
	if h.Withheld > 0 {
		fmt.Fprintf(bw, "Withheld:      %d personal letters: their content needs login level high (DMG §5(4));\r\n"+
			"               export again at high to have them.\r\n", h.Withheld)
	}
	bw.WriteString("\r\n" +
		"Each .eml file is a letter as stored (RFC 5322); its X-de-mail-integrity value\r\n" +
		"covers its body. Each .p7m file is a signed, time-stamped evidence file (DER CMS,\r\n" +
		"ETSI EN 319 522), which `openssl cms -verify` checks as well. index.json lists\r\n" +
		"every file with its SHA-256. Check the whole archive at once, offline, with\r\n\r\n" +
		"    siegel verify THIS-FILE.zip --root AUTHORITY-ROOT.pem\r\n\r\n")
	err = a.entries(func(line []byte) error {
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		writeTextEntry(bw, &e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: index spool: %w", err)
	}
	return bw.Flush()
}

func writeTextEntry(w *bufio.Writer, e *Entry) {
	at := func(t *time.Time) string {
		if t == nil {
			return "?"
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch {
	case e.Type == TypeEvidence:
		fmt.Fprintf(w, "    %s\r\n        %s at %s", e.Path, e.Event, at(e.At))
		if e.Recipient != "" {
			fmt.Fprintf(w, ", recipient %s", e.Recipient)
		}
		fmt.Fprintf(w, "\r\n        SHA-256 %s\r\n", e.SHA256)
		if e.Confirmation != "" {
			fmt.Fprintf(w, "        confirmation message: %s\r\n", e.Confirmation)
		}
	case e.Withheld != "":
		fmt.Fprintf(w, "\r\n[withheld] %s, from %s, arrived %s: a personal letter, exported only at login level high\r\n",
			e.Folder, e.From, at(e.Arrived))
	default:
		fmt.Fprintf(w, "\r\n%s\r\n    %s from %s, arrived %s\r\n", e.Path, e.Kind, e.From, at(e.Arrived))
		if e.Subject != "" {
			fmt.Fprintf(w, "    subject: %s\r\n", oneLine(e.Subject))
		}
		opts := append([]string(nil), e.Options...)
		if e.Personal {
			opts = append([]string{"personal"}, opts...)
		}
		if len(opts) > 0 {
			fmt.Fprintf(w, "    options: %s\r\n", strings.Join(opts, ", "))
		}
		if e.PrivateID != "" {
			fmt.Fprintf(w, "    file number: %s\r\n", oneLine(e.PrivateID))
		}
		fmt.Fprintf(w, "    SHA-256 %s\r\n", e.SHA256)
	}
}

// oneLine keeps a sender's text on one line of the index.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

package verification

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/export"
)

// KindArchive is an account archive (package export), which CheckArchive
// checks.
const KindArchive = "archive"

// Names of the checks of an archive, besides those of each file.
const (
	CheckZip    = "zip"            // a zip file with an index.json, each file readable
	CheckIndex  = "index"          // every file listed once, every listed file there, as the index describes it
	CheckHash   = "sha256"         // the file's SHA-256 is the index's
	CheckDigest = "content-digest" // an evidence's content digest is its letter's integrity value
)

// ArchiveReport is the outcome of checking an account archive: a line for
// each file and one verdict.
type ArchiveReport struct {
	Kind  string `json:"kind"` // KindArchive
	Valid bool   `json:"valid"`
	// FailedCheck and Reason are those of the first failure, Reason
	// naming its file; Failed counts the files that failed.
	FailedCheck string `json:"failed_check,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Failed      int    `json:"failed,omitempty"`

	Account  string     `json:"account,omitempty"`
	Provider string     `json:"provider,omitempty"`
	Created  *time.Time `json:"created,omitempty"`
	Level    string     `json:"login_level,omitempty"`
	Letters  int        `json:"letters"`
	Evidence int        `json:"evidence"`
	// Withheld counts the personal letters the index lists without their
	// content: exported below high (export.WithheldPersonal).
	Withheld int           `json:"withheld"`
	Files    []ArchiveFile `json:"files"`
}

// ArchiveFile is the check of one file of an archive.
type ArchiveFile struct {
	Path        string  `json:"path,omitempty"`
	Type        string  `json:"type,omitempty"` // export.TypeLetter or TypeEvidence; "" for a file the index does not list
	Valid       bool    `json:"valid"`
	FailedCheck string  `json:"failed_check,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Note        string  `json:"note,omitempty"`
	Withheld    string  `json:"withheld,omitempty"` // a letter listed without its file
	Report      *Report `json:"report,omitempty"`   // the file's own check

	entry *export.Entry
}

// CheckArchive checks an account archive (export.Archive) in one go: that
// it is a zip file whose index.json lists every file once and nothing
// else; that each file's SHA-256 is the index's; that each letter's
// integrity value, each confirmation message and each evidence file
// verifies as Check verifies it against a, and is what the index says it
// is; that each evidence's content digest is the integrity value of the
// letter it is listed with, and each confirmation message carries the
// evidence listed with it. The verdict is valid only when every file is.
//
// The index itself is not signed: it shows that no file is missing or
// changed since the index was written. What proves a letter's dispatch,
// receipt or pickup is its signed evidence, which ties it by its digest.
func CheckArchive(r io.ReaderAt, size int64, a Anchors) *ArchiveReport {
	rep := &ArchiveReport{Kind: KindArchive, Files: []ArchiveFile{}}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep.fail(CheckZip, fmt.Errorf("not a zip file: %v", err))
	}
	files := map[string]*zip.File{}
	var dup []string
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a folder
		}
		if _, ok := files[f.Name]; ok {
			dup = append(dup, f.Name)
			continue
		}
		files[f.Name] = f
	}
	jf, ok := files[export.IndexJSON]
	if !ok {
		return rep.fail(CheckZip, fmt.Errorf("no %s: not an account archive", export.IndexJSON))
	}
	idx, err := readIndex(jf)
	if err != nil {
		return rep.fail(CheckIndex, err)
	}
	created := idx.Created.UTC()
	rep.Account, rep.Provider, rep.Created, rep.Level = idx.Account, idx.Provider, &created, idx.Level
	for _, name := range dup {
		rep.add(ArchiveFile{Path: name}, CheckIndex, errors.New("the archive holds two files of this name: which one counts is left open"))
	}

	c := &archiveCheck{rep: rep, files: files, anchors: a, listed: map[string]int{},
		bodyHash: map[string][]string{}, carried: map[string]string{}}
	for i := range idx.Files {
		c.entry(&idx.Files[i])
	}
	c.crossCheck()
	for name := range files {
		if _, ok := c.listed[name]; !ok && name != export.IndexJSON && name != export.IndexText {
			rep.add(ArchiveFile{Path: name}, CheckIndex, errors.New("not in the index: added since the export"))
		}
	}
	if idx.Letters != rep.Letters || idx.Evidence != rep.Evidence || idx.Withheld != rep.Withheld {
		rep.add(ArchiveFile{Path: export.IndexJSON}, CheckIndex, fmt.Errorf("the index counts %d letters, %d evidence files and %d withheld, but lists %d, %d and %d",
			idx.Letters, idx.Evidence, idx.Withheld, rep.Letters, rep.Evidence, rep.Withheld))
	}
	rep.Valid = rep.Failed == 0
	return rep
}

// archiveCheck is the state of one CheckArchive.
type archiveCheck struct {
	rep     *ArchiveReport
	files   map[string]*zip.File
	anchors Anchors
	listed  map[string]int // path → index into rep.Files
	// bodyHash is each letter's integrity body hash (hex), and carried the
	// evidence id each confirmation message carries.
	bodyHash map[string][]string
	carried  map[string]string
}

// entry checks one index entry and its file.
func (c *archiveCheck) entry(e *export.Entry) {
	rep := c.rep
	if e.Path == "" { // a withheld letter: nothing to check
		rep.Withheld++
		rep.Files = append(rep.Files, ArchiveFile{Type: e.Type, Valid: true, Withheld: e.Withheld, entry: e,
			Note: fmt.Sprintf("%s letter from %s in %s: content not exported (login level %s)", e.Withheld, e.From, e.Folder, rep.Level)})
		return
	}
	out := ArchiveFile{Path: e.Path, Type: e.Type, entry: e}
	if e.Type == export.TypeLetter {
		rep.Letters++
	} else {
		rep.Evidence++
	}
	if _, twice := c.listed[e.Path]; twice {
		rep.add(out, CheckIndex, errors.New("listed twice in the index"))
		return
	}
	c.listed[e.Path] = len(rep.Files)
	f, ok := c.files[e.Path]
	if !ok {
		rep.add(out, CheckIndex, errors.New("listed in the index but not in the archive: removed since the export"))
		return
	}
	data, err := readZipFile(f, MaxFile)
	if err != nil {
		rep.add(out, CheckZip, err)
		return
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != strings.ToLower(e.SHA256) || int64(len(data)) != e.Size {
		rep.add(out, CheckHash, fmt.Errorf("the file (%d bytes) hashes to %s, but the index says %s (%d bytes): changed since the export",
			len(data), got, e.SHA256, e.Size))
		return
	}
	r := Check(data, c.anchors)
	out.Report = r
	if e.Type == export.TypeEvidence {
		c.evidence(out, r)
		return
	}
	c.letter(out, r, data)
}

// rawBodyHash is the SHA-256 of a message's body, after its header block.
func rawBodyHash(raw []byte) string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		raw = raw[i+4:]
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// letter judges a letter's Check by the kind the index gives it.
func (c *archiveCheck) letter(out ArchiveFile, r *Report, data []byte) {
	e := out.entry
	switch {
	case e.Kind == export.KindMessage && r.Kind == "" && r.FailedCheck == CheckFile:
		// A provider's notice carries no integrity value: its hash is
		// all there is, and it matched.
		out.Report = nil
		out.Valid, out.Note = true, "a provider's notice, without an integrity value: its SHA-256 matches the index"
		c.rep.Files = append(c.rep.Files, out)
		return
	case r.Kind != e.Kind && r.Kind != "":
		c.rep.add(out, CheckIndex, fmt.Errorf("the index says %s, but the file is a %s", e.Kind, r.Kind))
		return
	case !r.Valid:
		c.rep.add(out, r.FailedCheck, errors.New(r.Reason))
		return
	}
	switch r.Kind {
	case KindLetter:
		// The digest evidence proves is the body's SHA-256 as stored
		// (DMG §5(7) Nr. 4): the integrity value's bh=, and, should the
		// body end in empty lines that simple canonicalization drops,
		// the hash of the bytes themselves.
		c.bodyHash[e.Path] = []string{r.BodyHash, rawBodyHash(data)}
		out.Note = "integrity value checks: body hash only (not signed)"
		if r.Signed != nil && *r.Signed {
			out.Note = "integrity value checks: signed by " + r.Signer
		}
	case KindConfirmation:
		c.carried[e.Path] = r.EvidenceID
		out.Note = fmt.Sprintf("confirmation of %s, signed by %s", r.Event, r.IssuerDomain)
	}
	out.Valid = true
	c.rep.Files = append(c.rep.Files, out)
}

// evidence judges an evidence file's Check against its index entry.
func (c *archiveCheck) evidence(out ArchiveFile, r *Report) {
	e := out.entry
	switch {
	case r.Kind != KindEvidence:
		c.rep.add(out, CheckIndex, fmt.Errorf("listed as evidence, but the file is no evidence file (%s)", r.Reason))
		return
	case !r.Valid:
		c.rep.add(out, r.FailedCheck, errors.New(r.Reason))
		return
	case r.EvidenceID != e.EvidenceID || r.Event != e.Event:
		c.rep.add(out, CheckIndex, fmt.Errorf("the index lists %s %.80s, but the file is %s %.80s", e.Event, e.EvidenceID, r.Event, r.EvidenceID))
		return
	}
	out.Valid = true
	out.Note = r.Event + ", signed by " + r.IssuerDomain
	if r.EventTime != nil {
		out.Note = fmt.Sprintf("%s at %s, signed by %s", r.Event, r.EventTime.Format(time.RFC3339), r.IssuerDomain)
	}
	c.rep.Files = append(c.rep.Files, out)
}

// crossCheck ties each evidence to the letter and the confirmation
// message the index lists it with, once every file is checked.
func (c *archiveCheck) crossCheck() {
	for i := range c.rep.Files {
		f := &c.rep.Files[i]
		if f.Type != export.TypeEvidence || !f.Valid || f.Report == nil {
			continue
		}
		e := f.entry
		if e.Letter != "" {
			j, ok := c.listed[e.Letter]
			switch {
			case !ok:
				c.rep.failFile(f, CheckIndex, fmt.Errorf("the index says it is about %s, which it does not list", e.Letter))
				continue
			case c.rep.Files[j].Type != export.TypeLetter:
				c.rep.failFile(f, CheckIndex, fmt.Errorf("the index says it is about %s, which is no letter", e.Letter))
				continue
			}
			if h, ok := c.bodyHash[e.Letter]; ok {
				if !slices.Contains(h, f.Report.ContentDigest) {
					c.rep.failFile(f, CheckDigest, fmt.Errorf("it proves content with SHA-256 %s, but the integrity value of %s is %s: not the letter it was issued for",
						f.Report.ContentDigest, e.Letter, h[0]))
					continue
				}
				f.Note += "; proves the content of " + e.Letter
			}
		}
		if e.Confirmation != "" {
			id, ok := c.carried[e.Confirmation]
			if _, listed := c.listed[e.Confirmation]; !listed {
				c.rep.failFile(f, CheckIndex, fmt.Errorf("the index names its confirmation message %s, which it does not list", e.Confirmation))
				continue
			}
			if ok && id != e.EvidenceID {
				c.rep.failFile(f, CheckIndex, fmt.Errorf("its confirmation message %s carries evidence %.80s, not this one", e.Confirmation, id))
			}
		}
	}
}

// add appends a failed file.
func (r *ArchiveReport) add(f ArchiveFile, check string, err error) {
	r.Files = append(r.Files, f)
	r.failFile(&r.Files[len(r.Files)-1], check, err)
}

// failFile marks f failed and counts it; the first failure is the
// report's.
func (r *ArchiveReport) failFile(f *ArchiveFile, check string, err error) {
	f.Valid, f.FailedCheck, f.Reason, f.Note = false, check, err.Error(), ""
	r.Failed++
	if r.FailedCheck == "" {
		r.FailedCheck, r.Reason = check, f.Path+": "+err.Error()
	}
}

func (r *ArchiveReport) fail(check string, err error) *ArchiveReport {
	r.Valid, r.FailedCheck, r.Reason = false, check, err.Error()
	r.Failed++
	return r
}

// readIndex reads index.json.
func readIndex(f *zip.File) (*export.Index, error) {
	if f.UncompressedSize64 > export.MaxIndex {
		return nil, fmt.Errorf("%s has %d bytes, more than %d", export.IndexJSON, f.UncompressedSize64, export.MaxIndex)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", export.IndexJSON, err)
	}
	defer rc.Close()
	return export.ReadIndex(rc)
}

// readZipFile reads one file of at most limit bytes, whatever its header
// claims.
func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than %d: no letter or evidence file is that large", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than %d bytes: no letter or evidence file is that large", limit)
	}
	return b, nil
}

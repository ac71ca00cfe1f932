package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

// officerAccount shows an account to an officer: the holder's data, the
// status and block, the identity verification as recorded (method,
// document type, officers and times; never a copy of the document, DMG
// §3(3)), the tamper-evident history with its hash chain checked (DMG
// §13; TR ACM-FU §5.3), and the forms that its status allows: verify,
// confirm, block, close. The letters are not here: officers never read
// them.
func (s *Server) officerAccount(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.account.title")
	p.Notice = officerNotice(r.URL.Query().Get("done"))
	s.showOfficerAccount(w, r, p, http.StatusOK)
}

// officerNotice is the notice an action's redirect asks for with ?done=,
// only one of these: a link cannot put other words on the page.
func officerNotice(done string) string {
	switch done {
	case "verified_manual", "blocked", "unblocked", "closed", "quota_set":
		return "officer.done." + done
	}
	return ""
}

// showOfficerAccount renders the account page for the account in the path, with
// whatever errors an action put on p.
func (s *Server) showOfficerAccount(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	a, hist, err := s.Reg.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	me := officerOf(r).ID
	d := officerAccountData{A: a, Me: me, Intact: account.VerifyChain(hist) == nil,
		CanVerify: a.Status == account.Pending, CanConfirm: a.Status == account.AwaitingConfirmation,
		CanBlock: a.Status != account.Closed, CanClose: account.CheckTransition(a.Status, account.Closed) == nil}
	if len(a.Holder) > 0 {
		if a.Kind == account.Person {
			var pd account.PersonData
			if json.Unmarshal(a.Holder, &pd) == nil {
				d.Person = &pd
			}
		} else {
			var od account.OrganisationData
			if json.Unmarshal(a.Holder, &od) == nil {
				d.Organisation = &od
			}
		}
	}
	if len(a.Verification) > 0 {
		var v account.Verification
		if json.Unmarshal(a.Verification, &v) == nil {
			d.Verification = &v
		}
	}
	for _, m := range []account.Method{account.IDCard, account.Passport, account.EID, account.QualifiedSignature, account.RegisterExtract} {
		if m.AllowedFor(a.Kind) {
			d.Methods = append(d.Methods, officerMethodChoice{Method: m, Manual: m.ManualEntry(),
				Checked: string(m) == p.Value("verification.method")})
		}
	}
	if p.Value("verification.method") == "" && len(d.Methods) > 0 {
		d.Methods[0].Checked = true
	}
	chosen := account.Block(p.Value("block"))
	if _, posted := p.Form["block"]; !posted {
		chosen = a.Block
	}
	for _, b := range []account.Block{account.NoBlock, account.FullBlock, account.HighBlock, account.NormalBlock, account.UsageBlock} {
		d.Blocks = append(d.Blocks, officerBlockChoice{Block: b, Current: b == a.Block, Checked: b == chosen})
	}
	d.VerifyFields = regInputs(p,
		regInputSpec{Name: "verification.document_type", Label: "officer.verify.document_type", Hint: "officer.verify.document_type.hint",
			List: "document-types"},
		regInputSpec{Name: "verification.document_date", Label: "officer.verify.document_date", Hint: "officer.verify.document_date.hint", Type: "date"})
	d.DocumentTypes = officerDocumentTypes(a.Kind)
	d.BlockReason = regInputs(p, regInputSpec{Name: "block_reason", Label: "officer.block.reason", Hint: "officer.block.reason.hint"})[0]
	d.CloseReason = regInputs(p, regInputSpec{Name: "close_reason", Label: "officer.close.reason", Hint: "officer.close.reason.hint", Required: true})[0]
	d.CloseForward = regInputs(p, regInputSpec{Name: "forward_to", Label: "officer.close.forward_to", // officer_close.go
		Hint: "officer.close.forward_to.hint", Type: "email", Auto: "off", Optional: true})[0]
	if a.Status != account.Closed {
		d.Quota = s.officerQuotaSection(r, p, a) // officer_quota.go
	}
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		d.History = append(d.History, s.officerHistoryEntry(p, hist[i], me))
	}
	p.Data = d
	s.render(w, r, "officer_account", p, status)
}

type officerAccountData struct {
	A            *store.Account
	Person       *account.PersonData
	Organisation *account.OrganisationData
	Verification *account.Verification
	Me           string // the officer looking
	Intact       bool   // the history's hash chain holds
	History      []officerHistoryRow

	CanVerify, CanConfirm, CanBlock, CanClose bool

	Methods       []officerMethodChoice
	DocumentTypes []string
	VerifyFields  []regInput
	Blocks        []officerBlockChoice
	BlockReason   regInput
	CloseReason   regInput
	CloseForward  regInput // the forwarding order's address (TR PVD-FU §3.1.3.3)

	// Quota is the mailbox's storage (officer_quota.go); nil once closed.
	Quota *officerQuotaData
}

// officerDocumentTypes are the documents an officer usually sees for a
// holder of kind (TR ACM-FU §2.3.1, §2.3.2 Tabellen 4–6), offered as
// suggestions for the document type. They are the documents' official
// German names, as the record keeps them whatever the page's language.
func officerDocumentTypes(kind account.Kind) []string {
	if kind == account.Person {
		return []string{"Personalausweis", "Reisepass", "eID-Karte", "Elektronischer Aufenthaltstitel"}
	}
	return []string{"Handelsregisterauszug", "Vereinsregisterauszug", "Genossenschaftsregisterauszug",
		"Partnerschaftsregisterauszug", "Gesellschaftsvertrag", "Gründungsurkunde", "Errichtungsgesetz"}
}

// EnteredByMe reports whether this officer recorded the verification, so
// the page can say so; the service decides what follows from it.
func (d officerAccountData) EnteredByMe() bool {
	return d.Verification != nil && d.Verification.Officer == d.Me
}

type officerMethodChoice struct {
	Method  account.Method
	Manual  bool // typed in from a document: a second officer confirms (TR ACM-FU §2.3)
	Checked bool
}

type officerBlockChoice struct {
	Block   account.Block
	Current bool
	Checked bool
}

// Key is the block's message key stem; the empty block is "none".
func (b officerBlockChoice) Key() string {
	if b.Block == account.NoBlock {
		return "none"
	}
	return string(b.Block)
}

type officerHistoryRow struct {
	Seq     int64
	At      time.Time
	Action  string // in the page's language when there is a message for it
	Actor   string
	Details []officerDetail
	Hash    string
}

// Short is the start of the entry's hash, enough to compare by eye.
func (h officerHistoryRow) Short() string {
	if len(h.Hash) > 12 {
		return h.Hash[:12]
	}
	return h.Hash
}

type officerDetail struct{ Key, Value string }

// officerHistoryEntry turns an entry into what the page shows: the action and
// actor in words, and the detail's fields one by one. The detail is what
// the service recorded, never a secret (account.Entry).
func (s *Server) officerHistoryEntry(p *Page, e account.Entry, me string) officerHistoryRow {
	row := officerHistoryRow{Seq: e.Seq, At: e.At, Action: e.Action, Actor: e.Actor, Hash: e.Hash}
	if key := "officer.action." + e.Action; s.cat.has(key) {
		row.Action = p.T(key)
	}
	switch id, isOfficer := strings.CutPrefix(e.Actor, "officer:"); {
	case isOfficer && id == me:
		row.Actor = p.T("officer.actor.me", id)
	case isOfficer:
		row.Actor = p.T("officer.actor.officer", id)
	case e.Actor == account.ActorSystem || e.Actor == account.ActorUser:
		row.Actor = p.T("officer.actor." + e.Actor)
	}
	var detail map[string]any
	if json.Unmarshal([]byte(e.Detail), &detail) == nil {
		keys := make([]string, 0, len(detail))
		for k := range detail {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			label := k
			if key := "officer.detail." + k; s.cat.has(key) {
				label = p.T(key)
			}
			row.Details = append(row.Details, officerDetail{label, s.officerDetailValue(p, k, detail[k])})
		}
	}
	return row
}

// officerDetailValue is a detail's value in words: the codes of methods,
// blocks and kinds by their names, yes and no for flags.
func (s *Server) officerDetailValue(p *Page, key string, v any) string {
	if code, ok := v.(string); ok {
		prefix := map[string]string{"method": "officer.method.", "block": "officer.block.", "previous": "officer.block.",
			"kind": "officer.kind."}[key]
		if prefix == "officer.block." && code == "" {
			code = "none"
		}
		if prefix != "" && s.cat.has(prefix+code) {
			return p.T(prefix + code)
		}
	}
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		if v {
			return p.T("register.yes")
		}
		return p.T("register.no")
	case string:
		if v == "" {
			return "–"
		}
		return v
	}
	return fmt.Sprint(v)
}

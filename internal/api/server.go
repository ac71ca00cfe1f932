// Package api is Siegel's JSON HTTP API under /api/v1: applications, login and
// sessions, letters, and the officers' admin routes. This package holds the wire
// types (types.go), shared with the Go client in api/client, and one handler per
// file. Routes are listed once, in Routes(); docs/api.md is generated from that
// table and the wire types (go run ./internal/api/apidoc/cmd/apidoc), and a test keeps the
// two in step.
//
// Every error is a JSON body {"error": {"code", "message", "field"}} with a 4xx
// status for the user's mistakes; a request that breaks a rule changes nothing.
// Bearer tokens carry the login level: "Authorization: Bearer sgl_…".
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/queue"
	"github.com/siegel-mail/siegel/internal/registration"
)

// Server serves the API.
type Server struct {
	Reg   *registration.Service
	Auth  *auth.Service
	Mail  *mailbox.Service
	Queue *queue.Admin
	// Contacts keeps the address books (contacts.go).
	Contacts *contacts.Service
	Clock    clock.Clock
	Log      *slog.Logger
	// MaxMessageBytes is the letter size limit; request bodies may be a third
	// larger (base64) plus room for the JSON around it.
	MaxMessageBytes int64
}

// Access says who may call a route.
type Access int

// Route access levels.
const (
	AccessPublic  Access = iota // anyone
	AccessUser                  // an account holder's session token
	AccessOfficer               // a registration officer's or operator's token
)

// Route is one API route: the single list that the mux and docs/api.md are built from.
type Route struct {
	Method, Path string
	Access       Access
	Summary      string
	Request      any // zero value of the request body type, nil when none
	Response     any // zero value of the success response type
	Status       int // success status
	handler      http.HandlerFunc
}

// Routes lists every route of API v1.
func (s *Server) Routes() []Route {
	return []Route{
		{"POST", "/api/v1/applications/proposals", AccessPublic, "Propose free addresses for an application.", ApplicationRequest{}, ProposalsResponse{}, 200, s.proposeAddresses},
		{"POST", "/api/v1/applications", AccessPublic, "Apply for an account; an officer then verifies the holder's identity.", ApplicationRequest{}, ApplicationResponse{}, 201, s.createApplication},
		{"GET", "/api/v1/applications/{id}", AccessPublic, "Look up an application's status by its id.", nil, ApplicationResponse{}, 200, s.getApplication},
		{"POST", "/api/v1/sessions", AccessPublic, "Log in: password gives normal, password and totp_code give high.", LoginRequest{}, Session{}, 201, s.createSession},
		{"GET", "/api/v1/sessions/current", AccessUser, "The current session and its account.", nil, Session{}, 200, s.getSession},
		{"DELETE", "/api/v1/sessions/current", AccessUser, "Log out.", nil, nil, 204, s.deleteSession},
		{"POST", "/api/v1/sessions/current/step-up", AccessUser, "Raise the current session from normal to high with a TOTP code.", StepUpRequest{}, Session{}, 200, s.stepUp},
		{"POST", "/api/v1/account/totp", AccessUser, "Start enrolling a TOTP second factor.", nil, TOTPEnrollment{}, 201, s.enrollTOTP},
		{"POST", "/api/v1/account/totp/confirm", AccessUser, "Enable the enrolled TOTP factor with a code it produced.", TOTPConfirmRequest{}, Account{}, 200, s.confirmTOTP},
		{"GET", "/api/v1/account/quota", AccessUser, "Your mailbox's storage: bytes used against the quota, with the warning under 10 % free; a full mailbox cannot send (mailbox_full) but still receives.", nil, MailboxQuota{}, 200, s.getQuota},
		{"POST", "/api/v1/letters", AccessUser, "Send a registered letter.", SendRequest{}, SendResponse{}, 201, s.sendLetter},
		{"GET", "/api/v1/letters", AccessUser, "List a folder (folder=inbox|sent|trash|confirmations or f:ID for one of your own, limit, cursor), newest first.", nil, LetterList{}, 200, s.listLetters},
		{"GET", "/api/v1/search", AccessUser, searchSummary, nil, LetterList{}, 200, s.searchLetters},
		{"GET", "/api/v1/letters/{id}", AccessUser, "Open a letter; a personal letter needs a session at high.", nil, Letter{}, 200, s.getLetter},
		{"GET", "/api/v1/letters/{id}/raw", AccessUser, "Export one letter: the copy as an RFC 5322 message (message/rfc822, a .eml file) exactly as stored, with its X-de-mail-integrity value, which siegel verify checks.", nil, nil, 200, s.getLetterRaw},
		{"GET", "/api/v1/letters/{id}/evidence", AccessUser, "The letter's signed evidence that you may have: the sender all, a recipient that of their copy.", nil, EvidenceList{}, 200, s.listEvidence},
		{"GET", "/api/v1/evidence/{id}", AccessUser, "Download an evidence file (application/pkcs7-mime, DER CMS with a time-stamp); siegel verify checks it.", nil, nil, 200, s.getEvidence},
		{"GET", "/api/v1/letters/{id}/attachments/{index}", AccessUser, "Download an attachment.", nil, nil, 200, s.getAttachment},
		{"DELETE", "/api/v1/letters/{id}", AccessUser, "Delete: to the trash, or for good when already in the trash.", nil, Deleted{}, 200, s.deleteLetter},
		{"POST", "/api/v1/letters/{id}/restore", AccessUser, "Move a letter from the trash back.", nil, LetterSummary{}, 200, s.restoreLetter},
		{"POST", "/api/v1/letters/{id}/move", AccessUser, "File a letter in one of your folders (folder f:ID), or take it back to inbox (received) or sent (sent); at any level, a personal letter too. Not into or out of the trash (delete, restore); confirmations stay put.", MoveRequest{}, LetterSummary{}, 200, s.moveLetter},
		{"POST", "/api/v1/letters/{id}/copy", AccessUser, "File a second copy of a letter in one of your folders (folder f:ID), at any level; the copy shows the evidence of the letter it was made from and is deleted on its own. Not from the trash or confirmations, not twice into one folder, at most 10 copies of a letter.", CopyRequest{}, LetterSummary{}, 201, s.copyLetter},
		{"GET", "/api/v1/folders", AccessUser, "List your own folders by name, each with its number of letters (TR PVD-FU §3.1.3.7); list one with GET /api/v1/letters?folder=f:ID.", nil, FolderList{}, 200, s.listFolders},
		{"POST", "/api/v1/folders", AccessUser, "Make a folder: a name of 1 to 64 characters, once per account, no system folder's; at most 100 folders.", FolderRequest{}, Folder{}, 201, s.createFolder},
		{"PATCH", "/api/v1/folders/{id}", AccessUser, "Rename a folder.", FolderRequest{}, Folder{}, 200, s.renameFolder},
		{"DELETE", "/api/v1/folders/{id}", AccessUser, "Delete a folder; only an empty one (move its letters out first).", nil, nil, 204, s.deleteFolder},
		{"GET", "/api/v1/folders/{folder}/export", AccessUser, "Download a folder (inbox|sent|trash|confirmations|f:ID) as an mbox (application/mbox; RFC 4155 mboxrd, CRLF, newest first), streamed; below high, personal letters are left out; ends with the trailers Siegel-Export-Status (complete or failed), -Letters and -Withheld.", nil, nil, 200, s.exportFolder},
		{"GET", "/api/v1/account/export", AccessUser, "Download the whole account as one zip archive (application/zip), streamed: every letter of every folder (.eml), every evidence file you may have (.p7m), and index.json and index.txt with each file's SHA-256, which siegel verify checks in one go; below high, personal letters are listed without content; trailers as for a folder, and -Evidence.", nil, nil, 200, s.exportAccount},
		{"GET", "/api/v1/contacts", AccessUser, "List your address book by name, then address (limit, cursor); the web mailbox offers it while composing (TR PVD-FU §3.1.3.5).", nil, ContactList{}, 200, s.listContacts},
		{"POST", "/api/v1/contacts", AccessUser, "Add a contact: a registered-mail address, once per address book, at most 2,000 contacts.", ContactRequest{}, Contact{}, 201, s.createContact},
		{"GET", "/api/v1/contacts/{id}", AccessUser, "One contact of your address book.", nil, Contact{}, 200, s.getContact},
		{"PUT", "/api/v1/contacts/{id}", AccessUser, "Change a contact: address, name and note are replaced.", ContactRequest{}, Contact{}, 200, s.updateContact},
		{"DELETE", "/api/v1/contacts/{id}", AccessUser, "Remove a contact.", nil, nil, 204, s.deleteContact},
		{"GET", "/api/v1/account/forwarding", AccessUser, "Your automatic forwarding (TR PVD-FU §3.1.3.2), at any level; enabled false when none.", nil, Forwarding{}, 200, s.getForwarding},
		{"PUT", "/api/v1/account/forwarding", AccessUser, "Set or change your automatic forwarding, at high (DMG §5(11)): every letter stored in your inbox stays there and a copy goes to target; letters with pickup confirmation, and personal ones with exclude_personal, only as a notice to target.", ForwardingRequest{}, Forwarding{}, 200, s.setForwarding},
		{"DELETE", "/api/v1/account/forwarding", AccessUser, "End your automatic forwarding, at any level; none is no error.", nil, nil, 204, s.deleteForwarding},
		{"GET", "/api/v1/admin/accounts", AccessOfficer, "List accounts (status=pending|awaiting_confirmation|verified|active|closed, after, limit).", nil, AccountList{}, 200, s.listAccounts},
		{"GET", "/api/v1/admin/accounts/{id}", AccessOfficer, "An account with its tamper-evident history.", nil, AccountDetail{}, 200, s.getAccount},
		{"POST", "/api/v1/admin/accounts/{id}/verify", AccessOfficer, "Record the identity verification; manual entries then need a second officer.", VerifyRequest{}, VerifyResponse{}, 200, s.verifyAccount},
		{"POST", "/api/v1/admin/accounts/{id}/confirm", AccessOfficer, "A second officer confirms a manual entry.", nil, VerifyResponse{}, 200, s.confirmAccount},
		{"POST", "/api/v1/admin/accounts/{id}/block", AccessOfficer, "Block an account (full, high, normal, usage) or lift the block (\"\").", BlockRequest{}, AdminAccount{}, 200, s.blockAccount},
		{"POST", "/api/v1/admin/accounts/{id}/close", AccessOfficer, "Close an account.", CloseRequest{}, AdminAccount{}, 200, s.closeAccount},
		{"POST", "/api/v1/admin/accounts/{id}/quota", AccessOfficer, "Give an account's mailbox a storage quota of its own in MiB (at least 100), or 0 for the provider's default; {id} may be the account's address. Recorded in its history.", QuotaRequest{}, AdminAccount{}, 200, s.setQuota},
		{"GET", "/api/v1/admin/queue", AccessOfficer, "Operators: the queued work, earliest due first (kind, failing=true, limit, cursor).", nil, QueueList{}, 200, s.listQueue},
		{"POST", "/api/v1/admin/queue/{id}/retry", AccessOfficer, "Operators: make a job that waits out its backoff due now.", nil, nil, 204, s.retryJob},
		{"POST", "/api/v1/admin/officers", AccessOfficer, "Create an officer (operators only).", OfficerRequest{}, Officer{}, 201, s.createOfficer},
	}
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.Routes() {
		h := r.handler
		switch r.Access {
		case AccessUser:
			h = s.requireUser(h)
		case AccessOfficer:
			h = s.requireOfficer(h)
		}
		mux.Handle(r.Method+" "+r.Path, h)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFound())
	})
	return s.middleware(mux)
}

type ctxKey int

const (
	keyLog ctxKey = iota
	keyPrincipal
	keyOfficer
)

// middleware gives each request an id and a logger, recovers panics, and logs
// the outcome. It never logs bodies or tokens.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		log := s.Log.With("req", id)
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic", "panic", p)
				if rw.status == 0 {
					s.writeError(rw, r, errInternal)
				}
			}
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rw.status,
				"ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), keyLog, log)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(keyLog).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

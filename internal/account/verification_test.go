package account

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestMethodFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m                    Method
		valid, manual        bool
		person, org, authori bool
	}{
		{IDCard, true, true, true, false, false},
		{Passport, true, true, true, false, false},
		{EID, true, false, true, false, false},
		{QualifiedSignature, true, false, true, true, true},
		{RegisterExtract, true, true, false, true, true},
		{Method(""), false, false, false, false, false},
		{Method("video_ident"), false, false, false, false, false},
		{Method("ID_CARD"), false, false, false, false, false},
	}
	for _, tt := range tests {
		if got := tt.m.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v", tt.m, got)
		}
		if got := tt.m.ManualEntry(); got != tt.manual {
			t.Errorf("%q.ManualEntry() = %v", tt.m, got)
		}
		for k, want := range map[Kind]bool{Person: tt.person, Organisation: tt.org, Authority: tt.authori, Kind("x"): false} {
			if got := tt.m.AllowedFor(k); got != want {
				t.Errorf("%q.AllowedFor(%q) = %v, want %v", tt.m, k, got, want)
			}
		}
	}
}

func TestCheckVerificationMethodKind(t *testing.T) {
	t.Parallel()
	now := testNow
	for _, m := range []Method{IDCard, Passport, EID, QualifiedSignature, RegisterExtract} {
		for _, k := range []Kind{Person, Organisation, Authority} {
			v := Verification{Method: m, DocumentType: "Dokument", Officer: "o1", At: now}
			if m == RegisterExtract {
				v.DocumentDate = "2025-03-01"
			}
			err := CheckVerification(k, v, now)
			if m.AllowedFor(k) {
				wantOK(t, err)
			} else {
				wantProblem(t, err, problem.Invalid, "verification.method", "not_allowed")
			}
		}
	}
}

func TestCheckVerification(t *testing.T) {
	t.Parallel()
	now := testNow // 2025-03-14 10:00 UTC
	card := Verification{Method: IDCard, DocumentType: "Personalausweis", Officer: "officer-7", At: now.Add(-time.Hour)}
	extract := Verification{Method: RegisterExtract, DocumentType: "Handelsregisterauszug", DocumentDate: "2025-03-01", Officer: "officer-7", At: now}
	eid := Verification{Method: EID, At: now}
	tests := []struct {
		name  string
		kind  Kind
		v     Verification
		edit  func(v *Verification)
		field string
		code  string
	}{
		{"id card", Person, card, nil, "", ""},
		{"passport", Person, card, func(v *Verification) { v.Method, v.DocumentType = Passport, "Reisepass" }, "", ""},
		{"eid without officer", Person, eid, nil, "", ""},
		{"eid with document type", Person, eid, func(v *Verification) { v.DocumentType = "eID-Karte" }, "", ""},
		{"qualified signature org", Organisation, eid, func(v *Verification) { v.Method = QualifiedSignature }, "", ""},
		{"register extract", Organisation, extract, nil, "", ""},
		{"register extract authority", Authority, extract, nil, "", ""},
		{"unknown kind", Kind("robot"), card, nil, "kind", "syntax"},
		{"method required", Person, card, func(v *Verification) { v.Method = "" }, "verification.method", "required"},
		{"method unknown", Person, card, func(v *Verification) { v.Method = "video_ident" }, "verification.method", "syntax"},
		{"register extract for person", Person, extract, nil, "verification.method", "not_allowed"},
		{"id card for organisation", Organisation, card, nil, "verification.method", "not_allowed"},
		{"eid for authority", Authority, eid, nil, "verification.method", "not_allowed"},
		{"id card document type", Person, card, func(v *Verification) { v.DocumentType = "" }, "verification.document_type", "required"},
		{"extract document type", Organisation, extract, func(v *Verification) { v.DocumentType = " " }, "verification.document_type", "required"},
		{"document type control", Person, card, func(v *Verification) { v.DocumentType = "Pass\n" }, "verification.document_type", "syntax"},
		{"id card officer", Person, card, func(v *Verification) { v.Officer = "" }, "verification.officer", "required"},
		{"extract officer", Organisation, extract, func(v *Verification) { v.Officer = "" }, "verification.officer", "required"},
		{"extract date required", Organisation, extract, func(v *Verification) { v.DocumentDate = "" }, "verification.document_date", "required"},
		{"extract date syntax", Organisation, extract, func(v *Verification) { v.DocumentDate = "01.03.2025" }, "verification.document_date", "syntax"},
		{"extract today", Organisation, extract, func(v *Verification) { v.DocumentDate = "2025-03-14" }, "", ""},
		{"extract tomorrow", Organisation, extract, func(v *Verification) { v.DocumentDate = "2025-03-15" }, "verification.document_date", "in_future"},
		{"extract one month", Organisation, extract, func(v *Verification) { v.DocumentDate = "2025-02-14" }, "", ""},
		{"extract one month and a day", Organisation, extract, func(v *Verification) { v.DocumentDate = "2025-02-13" }, "verification.document_date", "too_old"},
		{"extract a year old", Authority, extract, func(v *Verification) { v.DocumentDate = "2024-03-14" }, "verification.document_date", "too_old"},
		{"other date syntax", Person, card, func(v *Verification) { v.DocumentDate = "soon" }, "verification.document_date", "syntax"},
		{"at required", Person, card, func(v *Verification) { v.At = time.Time{} }, "verification.at", "required"},
		{"at in future", Person, card, func(v *Verification) { v.At = now.Add(time.Minute) }, "verification.at", "in_future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			if tt.edit != nil {
				tt.edit(&v)
			}
			check(t, CheckVerification(tt.kind, v, now), problem.Invalid, tt.field, tt.code)
		})
	}
}

func TestCheckVerificationExtractAgeMovesWithNow(t *testing.T) {
	t.Parallel()
	// An extract fine at the first officer's check may be too old by the
	// time the account opens: the rule holds at now.
	v := Verification{Method: RegisterExtract, DocumentType: "Vereinsregisterauszug", DocumentDate: "2025-01-31", Officer: "a", At: time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)}
	wantOK(t, CheckVerification(Organisation, v, time.Date(2025, 2, 28, 12, 0, 0, 0, time.UTC)))
	wantProblem(t, CheckVerification(Organisation, v, time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)),
		problem.Invalid, "verification.document_date", "too_old")
}

func TestCheckConfirmer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		first, second string
		code          string
	}{
		{"anna", "bernd", ""},
		{"anna", "anna", "same_officer"},
		{"anna", "ANNA", "same_officer"},
		{"anna", " anna ", "same_officer"},
		{"anna", "", "required"},
		{"anna", "  ", "required"},
		{"", "bernd", "required"},
	}
	for _, tt := range tests {
		field := ""
		if tt.code != "" {
			field = "officer"
		}
		check(t, CheckConfirmer(tt.first, tt.second), problem.Invalid, field, tt.code)
	}
}

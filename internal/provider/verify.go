package provider

import (
	"github.com/siegel-mail/siegel/internal/verification"
)

// verifyEvidence checks an evidence file as siegel verify does, against the
// authority's root and, when the provider follows one, the current trust
// list: for the web mailbox's evidence panel.
func (p *Provider) verifyEvidence(file []byte) (bool, string) {
	if p.root == nil {
		return false, "this provider has no accreditation authority to check against"
	}
	a := verification.Anchors{Root: p.root}
	if p.Trust != nil {
		a.TrustList, _ = p.Trust.Current()
	}
	r := verification.Check(file, a)
	if !r.Valid {
		return false, r.FailedCheck + ": " + r.Reason
	}
	return true, r.Event
}

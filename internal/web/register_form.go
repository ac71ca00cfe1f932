package web

import (
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
)

// Form helpers of the registration and officer pages: a field is named as
// the service's problems name it ("person.surname"), so that a refusal
// lands next to the input that caused it, in the page's language.

// regInputSpec is one text input of a form.
type regInputSpec struct {
	Name     string // the form field, as the service's problems name it
	Label    string // message key
	Hint     string // message key, or ""
	Type     string // input type; "text" when empty
	Auto     string // autocomplete token, or ""
	Required bool   // the service refuses it empty
	Optional bool   // marked "optional" on the page
	Max      int    // maxlength, 0 for none
	List     string // id of a datalist of suggestions, or ""
}

// regInput is a field as a page shows it: with what was entered and the
// error the service gave for it.
type regInput struct {
	regInputSpec
	P *Page
}

// fields binds specs to a page.
func regInputs(p *Page, specs ...regInputSpec) []regInput {
	out := make([]regInput, len(specs))
	for i, s := range specs {
		if s.Type == "" {
			s.Type = "text"
		}
		out[i] = regInput{regInputSpec: s, P: p}
	}
	return out
}

// ID is the input's id: the name with its dots as dashes, so that it needs
// no escaping as a fragment or selector.
func (f regInput) ID() string { return regInputID(f.Name) }

// Value is what was entered.
func (f regInput) Value() string { return f.P.Value(f.Name) }

// Error is the service's refusal of this field, in the page's language.
func (f regInput) Error() string { return f.P.Errors[f.Name] }

// DescribedBy lists the hint and the error, for aria-describedby: a screen
// reader reads both with the input.
func (f regInput) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error() != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

func regInputID(name string) string { return strings.NewReplacer(".", "-", "_", "-").Replace(name) }

// regProblem puts a service's refusal on the page like problemOf, but
// first renames its field with alias (a problem may name a field the form
// calls otherwise, or an element of a list: "organisation.representatives[1]")
// and looks for a message of this part, most specific first:
// "<prefix>.err.<last part of field>.<code>", "<prefix>.err.<code>", then
// the common "err.<code>". The address and identity rules word their
// refusals per field ("syntax" of a date is not that of a postcode), so a
// code alone is not always enough.
func (s *Server) regProblem(p *Page, err error, prefix string, alias func(string) string, known ...string) int {
	pr := problem.As(err)
	if pr == nil {
		return s.problemOf(p, err)
	}
	field := pr.Field
	if alias != nil {
		field = alias(field)
	}
	last := field
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	msg := pr.Message
	for _, key := range []string{prefix + ".err." + last + "." + pr.Code, prefix + ".err." + pr.Code, "err." + pr.Code} {
		if s.cat.has(key) {
			msg = p.T(key)
			break
		}
	}
	if field != "" && contains(known, field) {
		p.Errors[field] = msg
	} else {
		p.Error = msg
	}
	return statusOf(pr.Kind)
}

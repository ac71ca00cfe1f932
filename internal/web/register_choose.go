package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// registerApply is the second step of an application: the applicant saw
// their entries and the free addresses the service proposed (register.go)
// and chose one; the service applies with it (registration.Application
// takes the chosen address and accepts only one it would propose itself).
// The account starts pending, its address reserved, and the browser goes
// to the application's status page. When the address was taken meanwhile
// the page proposes afresh; any other refusal goes back to the form.
func (s *Server) registerApply(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "register.title")
	kind := registerKindOf(r.PostFormValue("kind"))
	app := registerApplication(r.PostForm)
	app.Address = strings.TrimSpace(r.PostFormValue("address"))
	acc, err := s.Reg.Apply(r.Context(), app)
	if err == nil {
		http.Redirect(w, r, "/register/"+url.PathEscape(acc.ID)+"?new=1", http.StatusSeeOther)
		return
	}
	if pr := problem.As(err); pr != nil && pr.Field == "address" {
		props, perr := s.Reg.Propose(r.Context(), app, 5)
		if perr == nil && len(props) > 0 {
			status := s.regProblem(p, err, "register", nil, "address")
			s.showRegisterChoice(w, r, p, kind, props, status)
			return
		}
		err = perr
	}
	status := s.regProblem(p, err, "register", registerAlias(kind), registerFields(kind)...)
	s.showRegister(w, r, p, kind, status)
}

// registerChoice is what the proposals page shows.
type registerChoice struct {
	Kind      account.Kind
	Proposals []string
	Chosen    string
	Pseudonym bool
	Summary   []registerRow
	Hidden    []registerHidden
}

type registerRow struct{ Label, Value string } // Label is a message key

type registerHidden struct{ Name, Value string }

// showRegisterChoice shows the proposed addresses with a summary of the entries;
// the entries travel on in hidden fields, only those the form has.
func (s *Server) showRegisterChoice(w http.ResponseWriter, r *http.Request, p *Page, kind account.Kind, props []string, status int) {
	d := registerChoice{Kind: kind, Proposals: props, Pseudonym: kind == account.Person && p.Value("pseudonym") != ""}
	d.Chosen = props[0]
	for _, a := range props {
		if a == p.Value("address") {
			d.Chosen = a
		}
	}
	d.Hidden = append(d.Hidden, registerHidden{"kind", string(kind)})
	for _, name := range registerFields(kind) {
		if v := p.Value(name); v != "" {
			d.Hidden = append(d.Hidden, registerHidden{name, v})
		}
	}
	row := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			d.Summary = append(d.Summary, registerRow{label, value})
		}
	}
	row("register.kind", p.T("register.kind."+string(kind)))
	var specs []regInputSpec
	if kind == account.Person {
		specs = append(registerPersonSpecs(), registerResidenceSpecs()...)
	} else {
		specs = append(append(registerOrganisationSpecs(), registerSeatSpecs()...), registerRegisterSpecs()...)
	}
	for _, f := range specs {
		row(f.Label, p.Value(f.Name))
	}
	if kind == account.Person {
		if d.Pseudonym {
			row("register.pseudonym", props[0])
		}
	} else {
		var reps []string
		for _, line := range strings.Split(p.Value("organisation.representatives"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				reps = append(reps, line)
			}
		}
		row("register.representatives", strings.Join(reps, ", "))
		if kind == account.Authority {
			yes := "register.no"
			if p.Value("organisation.formal_service") == "yes" {
				yes = "register.yes"
			}
			row("register.formal_service.short", p.T(yes))
		}
	}
	p.Data = d
	s.render(w, r, "register_choose", p, status)
}

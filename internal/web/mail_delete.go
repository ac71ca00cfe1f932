package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
)

// deleteLetter moves a letter to the trash, or deletes it from the trash
// for good (TR PVD-FU §3.1.2: two stages). The service's guards (a
// personal letter only at high; a letter with receipt or pickup
// confirmation not at normal within 90 days, SPEC "Dispatch options")
// are shown on the letter's page.
func (s *Server) deleteLetter(w http.ResponseWriter, r *http.Request) {
	id, u := r.PathValue("id"), userOf(r)
	c, lookupErr := s.Mail.Lookup(r.Context(), u, id)
	d, err := s.Mail.Delete(r.Context(), u, id)
	if err != nil {
		p := s.page(r, "mail.letter.title")
		var args []any
		if pr := problem.As(err); pr != nil && pr.Code == "retention" && lookupErr == nil {
			args = append(args, p.Time(c.Arrived.Add(mailbox.DeleteGuard)))
		}
		status := s.explain(p, err, []string{"mail.err.delete." + codeOf(err)}, args)
		if status == http.StatusNotFound {
			s.render(w, r, "error", p, status)
			return
		}
		s.showLetter(w, r, p, id, status)
		return
	}
	if d.Final {
		http.Redirect(w, r, "/mail/trash?done=deleted", http.StatusSeeOther)
		return
	}
	back := "/mail/inbox"
	if lookupErr == nil {
		back = folderURL(c.Folder)
	}
	http.Redirect(w, r, back+"?done=trashed", http.StatusSeeOther)
}

// codeOf is the code of the problem in err, "" when there is none.
func codeOf(err error) string {
	if pr := problem.As(err); pr != nil {
		return pr.Code
	}
	return ""
}

package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// The holder's own folders (TR PVD-FU §3.1.3.7; mailbox/folders.go): the
// page listing them with the form to make one (/folders), each folder's
// page (/mail/f/{id}, mail_folder.go's listing with its rename and delete),
// and "move to" on a letter's page.

// foldersData is what /folders shows.
type foldersData struct {
	Folders []mailbox.FolderInfo
	Max     int
	Full    bool
}

// folders lists the holder's folders and makes one (POST).
func (s *Server) folders(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "folders.title")
	p.Notice = foldersNotice(r.URL.Query().Get("done"))
	status := http.StatusOK
	if r.Method == http.MethodPost {
		f, err := s.Mail.CreateFolder(r.Context(), p.User, r.PostForm.Get("name"))
		if err == nil {
			http.Redirect(w, r, "/folders?done=created#f-"+url.PathEscape(f.ID), http.StatusSeeOther)
			return
		}
		status = s.foldersProblem(p, err)
	}
	list, err := s.Mail.Folders(r.Context(), p.User)
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	p.Data = &foldersData{Folders: list, Max: mailbox.MaxFolders, Full: len(list) >= mailbox.MaxFolders}
	s.render(w, r, "folders", p, status)
}

// userFolder lists one of the holder's folders, as a system folder is
// listed, with its rename and delete.
func (s *Server) userFolder(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "folders.title")
	p.Notice = foldersNotice(r.URL.Query().Get("done"))
	if p.Notice == "" {
		p.Notice = noticeOf(r)
	}
	s.showUserFolder(w, r, p, r.PathValue("id"), http.StatusOK)
}

func (s *Server) showUserFolder(w http.ResponseWriter, r *http.Request, p *Page, id string, status int) {
	f, err := s.Mail.FolderByID(r.Context(), p.User, id)
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	if status != http.StatusOK {
		// A refused rename or delete: the folder as it is, with the reason.
		p.Data = &folderData{Folder: string(f.Folder()), Path: folderURL(f.Folder()), Name: f.Name, ID: f.ID, Letters: f.Letters}
		s.render(w, r, "mail_folder", p, status)
		return
	}
	s.showFolder(w, r, p, f.Folder(), &folderData{Path: folderURL(f.Folder()), Name: f.Name, ID: f.ID, Letters: f.Letters})
}

// renameFolder names a folder anew.
func (s *Server) renameFolder(w http.ResponseWriter, r *http.Request) {
	id, u := r.PathValue("id"), userOf(r)
	if _, err := s.Mail.RenameFolder(r.Context(), u, id, r.PostForm.Get("name")); err != nil {
		p := s.page(r, "folders.title")
		s.showUserFolder(w, r, p, id, s.foldersProblem(p, err))
		return
	}
	http.Redirect(w, r, "/mail/f/"+url.PathEscape(id)+"?done=renamed", http.StatusSeeOther)
}

// deleteFolder deletes an empty folder.
func (s *Server) deleteFolder(w http.ResponseWriter, r *http.Request) {
	id, u := r.PathValue("id"), userOf(r)
	if err := s.Mail.DeleteFolder(r.Context(), u, id); err != nil {
		p := s.page(r, "folders.title")
		s.showUserFolder(w, r, p, id, s.foldersProblem(p, err))
		return
	}
	http.Redirect(w, r, "/folders?done=deleted", http.StatusSeeOther)
}

// moveLetter files a letter in one of the holder's folders, or back to
// its inbox or sent; at any level, since it shows nothing of the content.
func (s *Server) moveLetter(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.Mail.Move(r.Context(), userOf(r), id, store.Folder(r.PostForm.Get("folder")))
	if err != nil {
		p := s.page(r, "mail.letter.title")
		// A letter not found is shown as such by showLetter.
		s.showLetter(w, r, p, id, s.explain(p, err, []string{"folders.err.move." + codeOf(err)}, nil))
		return
	}
	http.Redirect(w, r, "/letter/"+url.PathEscape(c.ID)+"?done=moved", http.StatusSeeOther)
}

// foldersProblem puts a refusal in the folders' words: folders.err.<code>,
// else problemOf's.
func (s *Server) foldersProblem(p *Page, err error) int {
	return s.explain(p, err, []string{"folders.err." + codeOf(err)}, nil, "name")
}

// foldersNotice is the message key of what a redirect says was done.
func foldersNotice(done string) string {
	switch done {
	case "created", "renamed", "deleted", "moved", "copied":
		return "folders.done." + done
	}
	return ""
}

// moveOption is one choice of a letter's "move to".
type moveOption struct {
	Value string // the folder: f:ID, inbox or sent
	Name  string // one of the holder's folders' name; "" for the letter's home
	Key   string // the home's message key
}

// moveOptions are where copy c may go from where it is: the holder's
// folders but its own, and its home when it is not there; and where a copy
// of it may be filed: the holder's folders but its own. None for a letter
// in the trash or a confirmation.
func (s *Server) moveOptions(r *http.Request, c *store.Copy) (move, cp []moveOption) {
	if c.Folder == store.Trash || c.Folder == store.Confirmations {
		return nil, nil
	}
	list, err := s.Mail.Folders(r.Context(), userOf(r))
	if err != nil {
		s.Log.Warn("web: folders", "err", err)
		return nil, nil
	}
	home := mailbox.HomeFolder(c)
	if c.Folder != home {
		move = append(move, moveOption{Value: string(home), Key: "nav." + string(home)})
	}
	for i := range list {
		if f := list[i].Folder(); f != c.Folder {
			o := moveOption{Value: string(f), Name: list[i].Name}
			move, cp = append(move, o), append(cp, o)
		}
	}
	return move, cp
}

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/export"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
)

// folderIDs lists the ids of a folder's letters.
func folderIDs(t *testing.T, c *client.Client, folder string) []string {
	t.Helper()
	var out []string
	for _, l := range inbox(t, c, folder) {
		out = append(out, l.ID)
	}
	return out
}

// TestFolders: the holder's own folders through the API (TR PVD-FU
// §3.1.3.7): made, listed with their counts, renamed and deleted (only
// when empty); letters moved in and back to where they belong, a personal
// one at normal too, its content still hidden; the system folders
// protected: nothing moves into the trash or out of it but by delete and
// restore, confirmations stay put, a received letter never goes to sent;
// another holder sees and touches none of it.
func TestFolders(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Ablage"), true)
	ben := e.Open(pt.PersonApp("Ben", "Ablage"), true)
	annaHigh := anna.High()
	plain := must[*api.SendResponse](t)(annaHigh.Send(ctx, &api.SendRequest{To: []string{ben.Address},
		Subject: "Steuerbescheid", Text: "x", DispatchConfirmation: true}))
	must[*api.SendResponse](t)(annaHigh.Send(ctx, &api.SendRequest{To: []string{ben.Address},
		Subject: "privat", Text: "y", Personal: true}))
	runQueues(t, e)
	b := ben.C // at normal
	var plainID, personalID string
	for _, l := range inbox(t, b, "inbox") {
		if l.Personal {
			personalID = l.ID
		} else {
			plainID = l.ID
		}
	}
	if plainID == "" || personalID == "" {
		t.Fatal("letters not delivered")
	}

	if l := must[*api.FolderList](t)(b.Folders(ctx)); len(l.Folders) != 0 {
		t.Fatalf("a new mailbox has folders: %+v", l)
	}
	tax := must[*api.Folder](t)(b.CreateFolder(ctx, "  Steuer 2025 "))
	if tax.ID == "" || tax.Name != "Steuer 2025" || tax.Folder != "f:"+tax.ID || tax.Letters != 0 || tax.CreatedAt.IsZero() {
		t.Fatalf("created: %+v", tax)
	}
	bank := must[*api.Folder](t)(b.CreateFolder(ctx, "Bank"))

	// Bad names, each refused with its reason.
	for _, tc := range []struct {
		name, code string
		status     int
	}{
		{"", "required", 400}, {"   ", "required", 400}, {strings.Repeat("ä", 65), "too_long", 400},
		{"a\tb", "control_character", 400}, {"x\u202ey", "control_character", 400},
		{"Inbox", "reserved", 400}, {"TRASH", "reserved", 400}, {"relay", "reserved", 400},
		{"Bank", "folder_exists", 409},
	} {
		_, err := b.CreateFolder(ctx, tc.name)
		wantErr(t, err, tc.status, tc.code, "name")
	}
	_, err := b.RenameFolder(ctx, bank.ID, "Steuer 2025")
	wantErr(t, err, 409, "folder_exists", "name")

	// Moving in: at normal, a personal letter too, still hidden.
	moved := must[*api.LetterSummary](t)(b.Move(ctx, plainID, tax.Folder))
	if moved.Folder != tax.Folder || moved.ID != plainID {
		t.Fatalf("moved: %+v", moved)
	}
	hidden := must[*api.LetterSummary](t)(b.Move(ctx, personalID, tax.Folder))
	if !hidden.ContentHidden || hidden.Subject != "" {
		t.Fatalf("a personal letter moved at normal shows: %+v", hidden)
	}
	if got := folderIDs(t, b, "inbox"); len(got) != 0 {
		t.Fatalf("inbox after the moves: %v", got)
	}
	if got := folderIDs(t, b, tax.Folder); len(got) != 2 {
		t.Fatalf("folder after the moves: %v", got)
	}
	for _, l := range inbox(t, b, tax.Folder) {
		if l.Personal && (!l.ContentHidden || l.Subject != "") {
			t.Fatalf("a personal letter in a folder at normal: %+v", l)
		}
	}
	if _, err := b.Letter(ctx, personalID); err == nil {
		t.Fatal("a personal letter opened at normal after a move")
	}
	list := must[*api.FolderList](t)(b.Folders(ctx))
	if len(list.Folders) != 2 || list.Folders[0].Name != "Bank" || list.Folders[0].Letters != 0 ||
		list.Folders[1].ID != tax.ID || list.Folders[1].Letters != 2 {
		t.Fatalf("folders: %+v", list)
	}
	// From one folder to another, and back home.
	must[*api.LetterSummary](t)(b.Move(ctx, personalID, bank.Folder))
	if back := must[*api.LetterSummary](t)(b.Move(ctx, personalID, "inbox")); back.Folder != "inbox" {
		t.Fatalf("back: %+v", back)
	}

	// The system folders are protected.
	for _, tc := range []struct {
		folder, code, field string
		status              int
	}{
		{"trash", "invalid", "folder", 400}, {"sent", "invalid", "folder", 400},
		{"confirmations", "invalid", "folder", 400}, {"relay", "invalid", "folder", 400},
		{"", "invalid", "folder", 400}, {"f:", "invalid", "folder", 400},
		{"f:nosuchfolder", "not_found", "folder", 404},
	} {
		_, err := b.Move(ctx, plainID, tc.folder)
		wantErr(t, err, tc.status, tc.code, tc.field)
	}
	// The sender's copy goes back to sent, never to inbox.
	annaFolder := must[*api.Folder](t)(anna.C.CreateFolder(ctx, "Finanzamt"))
	must[*api.LetterSummary](t)(anna.C.Move(ctx, plain.ID, annaFolder.Folder))
	_, err = anna.C.Move(ctx, plain.ID, "inbox")
	wantErr(t, err, 400, "invalid", "folder")
	if back := must[*api.LetterSummary](t)(anna.C.Move(ctx, plain.ID, "sent")); back.Folder != "sent" {
		t.Fatalf("sender's copy back: %+v", back)
	}
	// Confirmations stay in confirmations.
	confs := inbox(t, anna.C, "confirmations")
	if len(confs) == 0 {
		t.Fatal("no dispatch confirmation")
	}
	_, err = anna.C.Move(ctx, confs[0].ID, annaFolder.Folder)
	wantErr(t, err, 409, "confirmation", "id")
	// Into the trash only by delete, out of it only by restore: to where
	// it was deleted from.
	must[*api.Deleted](t)(b.Delete(ctx, plainID))
	_, err = b.Move(ctx, plainID, tax.Folder)
	wantErr(t, err, 409, "in_trash", "id")
	if r := must[*api.LetterSummary](t)(b.Restore(ctx, plainID)); r.Folder != tax.Folder {
		t.Fatalf("restored to %q, want %q", r.Folder, tax.Folder)
	}

	// A folder is deleted only when empty; a letter deleted from a folder
	// that is gone since is restored to the inbox.
	wantErr(t, b.DeleteFolder(ctx, tax.ID), 409, "folder_not_empty", "id")
	must[*api.Deleted](t)(b.Delete(ctx, plainID))
	if err := b.DeleteFolder(ctx, tax.ID); err != nil {
		t.Fatal(err)
	}
	if r := must[*api.LetterSummary](t)(b.Restore(ctx, plainID)); r.Folder != "inbox" {
		t.Fatalf("restored from a deleted folder to %q", r.Folder)
	}
	_, err = b.List(ctx, tax.Folder, 0, "")
	wantErr(t, err, 404, "not_found", "folder")
	wantErr(t, b.DeleteFolder(ctx, tax.ID), 404, "not_found", "id")
	renamed := must[*api.Folder](t)(b.RenameFolder(ctx, bank.ID, "Bank & Versicherung"))
	if renamed.ID != bank.ID || renamed.Name != "Bank & Versicherung" || !renamed.CreatedAt.Equal(bank.CreatedAt) {
		t.Fatalf("renamed: %+v", renamed)
	}

	// Only the holder: to Anna, Ben's folders do not exist.
	_, err = anna.C.List(ctx, bank.Folder, 0, "")
	wantErr(t, err, 404, "not_found", "folder")
	_, err = anna.C.RenameFolder(ctx, bank.ID, "x")
	wantErr(t, err, 404, "not_found", "id")
	wantErr(t, anna.C.DeleteFolder(ctx, bank.ID), 404, "not_found", "id")
	_, err = anna.C.Move(ctx, plain.ID, bank.Folder)
	wantErr(t, err, 404, "not_found", "folder")
	_, err = anna.C.Move(ctx, plainID, annaFolder.Folder)
	wantErr(t, err, 404, "not_found", "id")
	if _, err := e.Public.Folders(ctx); err == nil {
		t.Fatal("listed folders without a session")
	}

	// The account's export keeps letters where they are filed.
	must[*api.LetterSummary](t)(b.Move(ctx, plainID, bank.Folder))
	idx, files := readArchive(t, exportAccount(t, b))
	found := false
	for _, f := range idx.Files {
		if f.Type == export.TypeLetter && f.CopyID == plainID {
			found = f.Folder == bank.Folder && f.Path == export.LetterPath("folder-"+bank.ID, plainID)
			if _, ok := files[f.Path]; !ok {
				t.Errorf("%s not in the archive", f.Path)
			}
		}
	}
	if !found {
		t.Fatalf("the letter filed in a folder is not exported as such: %+v", idx.Files)
	}

	// At most 100 folders.
	for i := range 99 {
		_, err := b.CreateFolder(ctx, "Ordner "+strings.Repeat("x", i%50)+string(rune('A'+i/50)))
		if err != nil {
			t.Fatalf("folder %d: %v", i+2, err)
		}
	}
	_, err = b.CreateFolder(ctx, "one too many")
	wantErr(t, err, http.StatusTooManyRequests, "too_many_folders", "")

	// Closing the account deletes the folders.
	must[*api.AdminAccount](t)(e.Officer1.Close(ctx, ben.ID, "Kündigung"))
	err = e.P.Store.View(ctx, func(tx store.Tx) error {
		all, err := tx.AccountFolders(ben.ID)
		if len(all) != 0 {
			t.Errorf("after closing, %d folders are left", len(all))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

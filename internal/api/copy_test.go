package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCopyLetter: a letter copied into the holder's folders (TR PVD-FU
// §3.1.3.7) is listed in each, shows the evidence of the copy it was made
// from and opens with its events; it is deleted and restored on its own,
// the original untouched; copying from the trash or a confirmation, into a
// system folder, twice into one folder, or another holder's letter or
// folder is refused with its field.
func TestCopyLetter(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Ablagehausen", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Kopie"), true)
	cityC, erikaC := city.High(), erika.High()
	sent := must[*api.SendResponse](t)(cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address},
		Subject: "Bescheid", Text: "x", ReceiptConfirmation: true, DispatchConfirmation: true, PrivateID: "AZ 7"}))
	runQueues(t, e)
	orig := inbox(t, erikaC, "inbox")[0]
	wantEvents(t, erikaC, orig.ID, "ContentConsignment")

	tax := must[*api.Folder](t)(erikaC.CreateFolder(ctx, "Steuer"))
	house := must[*api.Folder](t)(erikaC.CreateFolder(ctx, "Haus"))
	c1 := must[*api.LetterSummary](t)(erikaC.Copy(ctx, orig.ID, tax.Folder))
	if c1.ID == orig.ID || c1.Folder != tax.Folder || c1.CopyOf != orig.ID || c1.Subject != "Bescheid" {
		t.Fatalf("copy: %+v", c1)
	}
	// A copy of the copy names the letter that arrived.
	c2 := must[*api.LetterSummary](t)(erikaC.Copy(ctx, c1.ID, house.Folder))
	if c2.CopyOf != orig.ID {
		t.Errorf("copy of a copy names %q, want %q", c2.CopyOf, orig.ID)
	}
	if got := folderIDs(t, erikaC, "inbox"); !slices.Equal(got, []string{orig.ID}) {
		t.Errorf("inbox after copying: %v", got)
	}
	if got := folderIDs(t, erikaC, tax.Folder); !slices.Equal(got, []string{c1.ID}) {
		t.Errorf("folder Steuer: %v", got)
	}
	wantEvents(t, erikaC, c1.ID, "ContentConsignment")
	if l := must[*api.Letter](t)(erikaC.Letter(ctx, c2.ID)); l.Text != "x" || len(l.Events) == 0 {
		t.Errorf("open the copy: %+v", l)
	}
	if l := must[*api.FolderList](t)(erikaC.Folders(ctx)); len(l.Folders) != 2 || l.Folders[0].Letters != 1 || l.Folders[1].Letters != 1 {
		t.Errorf("folder counts: %+v", l)
	}

	_, err := erikaC.Copy(ctx, orig.ID, tax.Folder)
	wantErr(t, err, http.StatusConflict, "already_there", "folder")
	_, err = erikaC.Copy(ctx, orig.ID, "sent")
	wantErr(t, err, http.StatusBadRequest, "invalid", "folder")
	_, err = erikaC.Copy(ctx, orig.ID, "f:nope")
	wantErr(t, err, http.StatusNotFound, "not_found", "folder")
	_, err = cityC.Copy(ctx, orig.ID, tax.Folder)
	wantErr(t, err, http.StatusNotFound, "not_found", "id")
	own := must[*api.Folder](t)(cityC.CreateFolder(ctx, "Akten"))
	_, err = cityC.Copy(ctx, sent.ID, tax.Folder)
	wantErr(t, err, http.StatusNotFound, "not_found", "folder")
	sc := must[*api.LetterSummary](t)(cityC.Copy(ctx, sent.ID, own.Folder))
	wantEvents(t, cityC, sc.ID, "SubmissionAcceptance", "ContentConsignment")
	conf := inbox(t, cityC, "confirmations")
	if len(conf) == 0 {
		t.Fatal("no confirmation message")
	}
	_, err = cityC.Copy(ctx, conf[0].ID, own.Folder)
	wantErr(t, err, http.StatusConflict, "confirmation", "id")

	// The copy is deleted and restored on its own.
	must[*api.Deleted](t)(erikaC.Delete(ctx, c1.ID))
	_, err = erikaC.Copy(ctx, c1.ID, house.Folder)
	wantErr(t, err, http.StatusConflict, "in_trash", "id")
	if got := folderIDs(t, erikaC, "inbox"); !slices.Equal(got, []string{orig.ID}) {
		t.Errorf("inbox after deleting the copy: %v", got)
	}
	if r := must[*api.LetterSummary](t)(erikaC.Restore(ctx, c1.ID)); r.Folder != tax.Folder {
		t.Errorf("restored to %s, want %s", r.Folder, tax.Folder)
	}
	// The original deleted for good, the copy keeps its evidence.
	must[*api.Deleted](t)(erikaC.Delete(ctx, orig.ID))
	must[*api.Deleted](t)(erikaC.Delete(ctx, orig.ID))
	wantEvents(t, erikaC, c1.ID, "ContentConsignment")
}

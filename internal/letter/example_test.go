package letter_test

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/letter"
)

// A letter is built once; each copy gets its own header block. The bcc
// recipient's copy names only that bcc address, a To recipient's none.
func ExampleBuild() {
	m, err := letter.Build(letter.Draft{
		MessageID: "4f9a2c",
		From:      "post@amt.siegel.example",
		FromName:  "Stadt Musterstadt",
		To:        []string{"erika.mustermann@siegel.example"},
		Bcc:       []string{"akte@amt.siegel.example"},
		Subject:   "Bescheid",
		Text:      "Sehr geehrte Frau Mustermann,\n\nanbei Ihr Bescheid.\n",
		Options:   letter.Options{PickupConfirmation: true, PrivateID: "Az. 4711"},
		AuthLevel: account.High,
		Provider:  "siegel.example",
		Date:      time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	show := func(h []byte, names ...string) {
		s := bufio.NewScanner(bytes.NewReader(h))
		shown := false // also print the continuation lines of a folded field
		for s.Scan() {
			line := s.Text()
			if !strings.HasPrefix(line, " ") {
				shown = slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(line, n+":") })
			}
			if shown {
				fmt.Println(line)
			}
		}
	}
	show(m.Header(letter.ViewRecipient, ""), "From", "Message-ID", letter.HdrPrivate,
		letter.HdrRetrieve, letter.HdrPrivateID, letter.HdrChosenRecipient)
	show(m.Header(letter.ViewBcc, "akte@amt.siegel.example"), letter.HdrChosenRecipient)
	fmt.Println(letter.VerifyIntegrity(m.Bytes(letter.ViewSender, "")))
	// Output:
	// From: Stadt Musterstadt <post@amt.siegel.example>
	// Message-ID: <4f9a2c@siegel.example>
	// X-de-mail-private: yes
	// X-de-mail-confirmation-of-retrieve: yes
	// X-de-mail-private-id: Az. 4711
	// X-de-mail-chosen-recipient: to=erika.mustermann@siegel.example
	// X-de-mail-chosen-recipient: to=erika.mustermann@siegel.example;
	//  bcc=akte@amt.siegel.example
	// <nil>
}

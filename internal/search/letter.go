package search

// Letter is what of a letter the index holds: the fields a listing shows
// and a search looks in, never its body (sealed, and not searchable by the
// provider).
type Letter struct {
	Sender     string // the sender's address
	Subject    string
	FileNumber string // X-de-mail-private-id
	To, Cc     []string
	// Bcc is named only in the sender's own copy and in each Bcc
	// recipient's (TR PVD-IO §3.1); the index holds it for the sender only.
	Bcc []string

	Personal, SenderConfirmed, DispatchConfirmation, ReceiptConfirmation, PickupConfirmation bool
}

// Terms are the letter's index terms, each with the fields it is in:
// received for the copies of its recipients (and of confirmations), sent
// for its sender's own copy. sent is nil when it would equal received (no
// Bcc words of its own). State terms are not here: they are the copy's, and
// the stores write them.
func (l *Letter) Terms() (received, sent map[string]Field) {
	received = map[string]Field{TermAll: Listed}
	add := func(m map[string]Field, text string, f Field) {
		for _, w := range Words(text) {
			m[w] |= f
		}
	}
	add(received, l.Sender, InSender)
	add(received, l.Subject, InSubject)
	add(received, l.FileNumber, InFileNumber)
	for _, a := range append(append([]string(nil), l.To...), l.Cc...) {
		add(received, a, InRecipients)
	}
	for _, o := range []struct {
		on   bool
		name string
		f    Field
	}{{l.Personal, "personal", Listed}, {l.SenderConfirmed, "sender_confirmed", Attribute},
		{l.DispatchConfirmation, "dispatch_confirmation", Attribute}, {l.ReceiptConfirmation, "receipt_confirmation", Attribute},
		{l.PickupConfirmation, "pickup_confirmation", Attribute}} {
		if o.on {
			received[TermPrefix+o.name] = o.f
		}
	}
	if len(l.Bcc) == 0 {
		return received, nil
	}
	sent = make(map[string]Field, len(received))
	for t, f := range received {
		sent[t] = f
	}
	changed := false
	for _, a := range l.Bcc {
		for _, w := range Words(a) {
			if sent[w]&InRecipients == 0 {
				sent[w] |= InRecipients
				changed = true
			}
		}
	}
	if !changed {
		return received, nil
	}
	return received, sent
}

package web

// contactsMessages are the texts of the address book (contacts*.go) and
// of what compose and the letter page offer from it (TR PVD-FU §3.1.3.5).
func contactsMessages() map[string]text {
	return map[string]text{
		"nav.contacts":   {"Adressbuch", "Contacts"},
		"contacts.title": {"Adressbuch", "Address book"},
		"contacts.lead": {"Ihre Kontakte: Beim Schreiben eines Briefs werden sie Ihnen für An, Cc und Bcc angeboten. Nur Sie sehen sie.",
			"Your contacts: when you write a letter, they are offered for To, Cc and Bcc. Only you see them."},
		"contacts.list":           {"Kontakte (%d)", "Contacts (%d)"},
		"contacts.name":           {"Name", "Name"},
		"contacts.address":        {"Adresse", "Address"},
		"contacts.note":           {"Notiz", "Note"},
		"contacts.actions":        {"Aktionen", "Actions"},
		"contacts.noname":         {"ohne Namen", "no name"},
		"contacts.edit":           {"Ändern", "Change"},
		"contacts.edit_label":     {"%s ändern", "Change %s"},
		"contacts.remove":         {"Entfernen", "Remove"},
		"contacts.remove.one":     {"Diesen Kontakt entfernen", "Remove this contact"},
		"contacts.remove_label":   {"%s entfernen", "Remove %s"},
		"contacts.remove_confirm": {"%s aus dem Adressbuch entfernen?", "Remove %s from the address book?"},
		"contacts.none":           {"Ihr Adressbuch ist leer.", "Your address book is empty."},
		"contacts.add":            {"Kontakt hinzufügen", "Add a contact"},
		"contacts.add.submit":     {"Hinzufügen", "Add"},
		"contacts.full": {"Ihr Adressbuch ist voll (%d Kontakte). Entfernen Sie einen, um einen neuen hinzuzufügen.",
			"Your address book is full (%d contacts). Remove one to add another."},
		"contacts.address.help": {"Eine De-Mail-Adresse, z. B. erika.mustermann@anbieter.de", "A registered-mail address, e.g. erika.mustermann@provider.de"},
		"contacts.name.label":   {"Name (freiwillig)", "Name (optional)"},
		"contacts.note.label":   {"Notiz (freiwillig)", "Note (optional)"},
		"contacts.back":         {"Zum Adressbuch", "To the address book"},
		"contacts.edit.title":   {"Kontakt ändern", "Change a contact"},
		"contacts.edit.times":   {"Hinzugefügt %s, zuletzt geändert %s.", "Added %s, last changed %s."},
		"contacts.edit.submit":  {"Speichern", "Save"},

		"contacts.done.added":   {"Der Kontakt ist im Adressbuch.", "The contact is in your address book."},
		"contacts.done.saved":   {"Der Kontakt ist gespeichert.", "The contact is saved."},
		"contacts.done.removed": {"Der Kontakt ist entfernt.", "The contact is removed."},
		"contacts.done.exists":  {"Dieser Absender ist schon in Ihrem Adressbuch.", "This sender is in your address book already."},

		"contacts.err.address.empty":          {"Bitte geben Sie eine Adresse an.", "Please enter an address."},
		"contacts.err.address.syntax":         {"Das ist keine gültige De-Mail-Adresse (name@domain, nur Kleinbuchstaben, Ziffern und . _ -).", "This is not a valid registered-mail address (name@domain, only letters, digits and . _ -)."},
		"contacts.err.address.too_long":       {"Die Adresse ist zu lang.", "The address is too long."},
		"contacts.err.address.contact_exists": {"Diese Adresse ist schon in Ihrem Adressbuch.", "This address is in your address book already."},
		"contacts.err.name.too_long":          {"Der Name ist länger als 200 Zeichen.", "The name is longer than 200 characters."},
		"contacts.err.name.control_character": {"Der Name darf keine Zeilenumbrüche oder Steuerzeichen enthalten.", "The name may not contain line breaks or control characters."},
		"contacts.err.name.syntax":            {"Der Name ist kein gültiger Text.", "The name is not valid text."},
		"contacts.err.note.too_long":          {"Die Notiz ist länger als 1.000 Zeichen.", "The note is longer than 1,000 characters."},
		"contacts.err.note.control_character": {"Die Notiz darf keine Steuerzeichen enthalten.", "The note may not contain control characters."},
		"contacts.err.note.syntax":            {"Die Notiz ist kein gültiger Text.", "The note is not valid text."},
		"contacts.err.contact_limit":          {"Ihr Adressbuch ist voll. Entfernen Sie zuerst einen Kontakt.", "Your address book is full. Remove a contact first."},
		"contacts.err.not_found":              {"Diesen Kontakt gibt es in Ihrem Adressbuch nicht.", "There is no such contact in your address book."},

		// Compose (compose.html) and the letter page (mail_letter.html).
		"contacts.compose.pick": {"Aus dem Adressbuch (%s)", "From your address book (%s)"},
		"contacts.compose.help": {"Ein gewählter Kontakt wird dem Feld hinzugefügt.", "A contact you choose is added to the field."},
		"contacts.sender":       {"Absender ins Adressbuch", "Add sender to contacts"},
	}
}

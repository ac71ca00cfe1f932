package web

// searchMessages are the texts of the folder pages' search (mail_search.go;
// TR PVD-FU §3.1.3.8).
func searchMessages() map[string]text {
	return map[string]text{
		"search.label": {"Suchen nach Absender, Empfänger, Betreff oder Aktenzeichen",
			"Search by sender, recipient, subject or file number"},
		"search.submit":          {"Suchen", "Search"},
		"search.clear":           {"Suche beenden", "Clear search"},
		"search.advanced":        {"Erweiterte Suche", "Advanced search"},
		"search.results":         {"Treffer für „%s“", "Results for “%s”"},
		"search.results.filters": {"Treffer der erweiterten Suche", "Results of the advanced search"},
		"search.none":            {"Keine Treffer.", "No results."},
		"search.any":             {"beliebig", "any"},
		"search.col.who":         {"Von / An", "From / To"},
		"search.hint.date":       {"JJJJ-MM-TT", "YYYY-MM-DD"},

		"search.field.from":        {"Absender", "Sender"},
		"search.field.to":          {"Empfänger", "Recipient"},
		"search.field.subject":     {"Betreff", "Subject"},
		"search.field.file_number": {"Aktenzeichen", "File number"},
		"search.field.after":       {"Eingegangen ab (Tag)", "Arrived from (day)"},
		"search.field.until":       {"Eingegangen bis (Tag, einschließlich)", "Arrived until (day, included)"},
		"search.field.option":      {"Versandoption", "Dispatch option"},
		"search.field.state":       {"Zustand", "State"},
		"search.field.scope":       {"Suchen in", "Search in"},

		"search.state.unread":          {"ungelesen", "unread"},
		"search.state.read":            {"gelesen", "read"},
		"search.state.awaiting_pickup": {"Abholung ausstehend", "awaiting pickup"},
		"search.state.picked_up":       {"abgeholt", "picked up"},

		"search.scope.folder":    {"diesem Ordner", "this folder"},
		"search.scope.all":       {"allen Ordnern außer dem Papierkorb", "every folder but the trash"},
		"search.scope.all_trash": {"allen Ordnern mit dem Papierkorb", "every folder and the trash"},

		"search.err.invalid_date": {"Bitte einen Tag als JJJJ-MM-TT angeben, etwa 2026-03-14.",
			"Enter a day as YYYY-MM-DD, such as 2026-03-14."},
		"search.err.range": {"Das Ende des Zeitraums darf nicht vor seinem Anfang liegen.",
			"The end of the period must not be before its start."},
		"search.err.no_words": {"Bitte mindestens ein Wort aus Buchstaben oder Ziffern eingeben.",
			"Enter at least one word of letters or digits."},
		"search.err.too_long":       {"Höchstens 200 Zeichen.", "At most 200 characters."},
		"search.err.too_many":       {"Höchstens 16 Wörter und Filter zusammen.", "At most 16 words and filters together."},
		"search.err.invalid":        {"Bitte gültigen Text eingeben.", "Enter valid text."},
		"search.err.invalid_choice": {"Bitte eine der angebotenen Möglichkeiten wählen.", "Choose one of the options offered."},
	}
}

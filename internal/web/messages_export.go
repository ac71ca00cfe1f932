package web

// exportMessages are the texts of the downloads (export_*.go): a letter
// as a file, a folder as an mbox, the whole account as a zip archive
// (TR PVD-FU §3.1.3.4, PVD-IO §3.6).
func exportMessages() map[string]text {
	return map[string]text{
		"export.letter": {"Als Datei speichern (.eml)", "Save as file (.eml)"},
		"export.folder": {"Diesen Ordner als mbox-Datei speichern", "Save this folder as an mbox file"},
		"export.folder.normal": {"Diesen Ordner als mbox-Datei speichern (ohne persönliche Briefe: dafür hoch anmelden)",
			"Save this folder as an mbox file (without personal letters: log in at high for those)"},
		"export.title": {"Postfach exportieren", "Export your mailbox"},
		"export.account.help": {"Alle Briefe aller Ordner mit allen Nachweisen (Bestätigungen und Beweisdateien) und einem Verzeichnis mit der Prüfsumme jeder Datei, in einer ZIP-Datei: So nehmen Sie Ihr Postfach mit, wenn Sie den Anbieter wechseln, und verlieren keinen Nachweis. „siegel verify“ prüft die ganze Datei auf einmal.",
			"Every letter of every folder with all its proof (confirmations and evidence files) and an index with each file's checksum, in one zip file: so you take your mailbox along when you change provider, and lose no proof. “siegel verify” checks the whole file at once."},
		"export.account": {"Gesamtes Postfach herunterladen (ZIP)", "Download the whole mailbox (zip)"},
		"export.account.normal": {"Mit dem Anmeldeniveau normal enthält die Datei persönliche Briefe nur als Eintrag im Verzeichnis, ohne ihren Inhalt. Melden Sie sich hoch an, um sie mitzunehmen.",
			"At login level normal, the file lists personal letters in its index only, without their content. Log in at high to take them along."},
	}
}

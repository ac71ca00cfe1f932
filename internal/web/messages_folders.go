package web

// foldersMessages are the texts of the holder's own folders (folders.go;
// TR PVD-FU §3.1.3.7).
func foldersMessages() map[string]text {
	return map[string]text{
		"nav.folders":   {"Ordner", "Folders"},
		"folders.title": {"Eigene Ordner", "Your folders"},
		"folders.lead": {"Legen Sie Briefe in eigenen Ordnern ab. Posteingang, Gesendet, Bestätigungen und Papierkorb bleiben, wie sie sind; ein Brief lässt sich jederzeit dorthin zurücklegen, wo er hingehört.",
			"File letters in folders of your own. Inbox, Sent, Confirmations and Trash stay as they are; a letter can always go back to where it belongs."},
		"folders.list":           {"Ordner (%d)", "Folders (%d)"},
		"folders.name":           {"Name", "Name"},
		"folders.letters":        {"Briefe", "Letters"},
		"folders.none":           {"Sie haben noch keine eigenen Ordner.", "You have no folders of your own yet."},
		"folders.create":         {"Ordner anlegen", "Make a folder"},
		"folders.create.submit":  {"Anlegen", "Make"},
		"folders.full":           {"Sie haben %d Ordner, so viele, wie möglich sind.", "You have %d folders, as many as there may be."},
		"folders.manage":         {"Diesen Ordner verwalten", "Manage this folder"},
		"folders.rename.label":   {"Name", "Name"},
		"folders.rename.submit":  {"Umbenennen", "Rename"},
		"folders.delete":         {"Ordner löschen", "Delete the folder"},
		"folders.delete.confirm": {"Den Ordner „%s“ löschen?", "Delete the folder “%s”?"},
		"folders.delete.notempty": {"Nur ein leerer Ordner lässt sich löschen: Legen Sie seine Briefe erst anderswo ab.",
			"Only an empty folder can be deleted: file its letters elsewhere first."},
		"folders.all":         {"Alle eigenen Ordner", "All your folders"},
		"folders.move.label":  {"Ablegen in", "Move to"},
		"folders.move.submit": {"Verschieben", "Move"},
		"folders.copy.label":  {"Kopie ablegen in", "File a copy in"},
		"folders.copy.submit": {"Kopieren", "Copy"},

		"folders.done.created": {"Der Ordner ist angelegt.", "The folder is made."},
		"folders.done.renamed": {"Der Ordner ist umbenannt.", "The folder is renamed."},
		"folders.done.deleted": {"Der Ordner ist gelöscht.", "The folder is deleted."},
		"folders.done.moved":   {"Der Brief ist verschoben.", "The letter is moved."},
		"folders.done.copied":  {"Eine Kopie des Briefs ist abgelegt; dies ist sie.", "A copy of the letter is filed; this is it."},

		"folders.err.required":          {"Geben Sie dem Ordner einen Namen.", "Give the folder a name."},
		"folders.err.too_long":          {"Der Name ist zu lang: höchstens 64 Zeichen.", "The name is too long: at most 64 characters."},
		"folders.err.syntax":            {"Der Name ist kein gültiger Text.", "The name is not valid text."},
		"folders.err.control_character": {"Der Name enthält ein Steuerzeichen.", "The name contains a control character."},
		"folders.err.reserved":          {"So heißt schon ein Ordner des Postfachs.", "That is the name of a folder of the mailbox."},
		"folders.err.folder_exists":     {"Sie haben schon einen Ordner dieses Namens.", "You have a folder of that name already."},
		"folders.err.too_many_folders":  {"Sie haben so viele Ordner, wie möglich sind.", "You have as many folders as there may be."},
		"folders.err.folder_not_empty": {"Der Ordner enthält noch Briefe: Legen Sie sie erst anderswo ab.",
			"The folder still holds letters: file them elsewhere first."},
		"folders.err.move.in_trash":        {"Der Brief liegt im Papierkorb: Stellen Sie ihn erst wieder her.", "The letter is in the trash: restore it first."},
		"folders.err.move.confirmation":    {"Bestätigungen bleiben im Ordner Bestätigungen.", "Confirmations stay in the Confirmations folder."},
		"folders.err.move.invalid":         {"Dorthin lässt sich dieser Brief nicht verschieben.", "This letter cannot be moved there."},
		"folders.err.move.not_found":       {"Diesen Ordner gibt es nicht mehr.", "That folder no longer exists."},
		"folders.err.copy.invalid":         {"Eine Kopie lässt sich nur in einem Ihrer Ordner ablegen.", "A copy can be filed only in one of your folders."},
		"folders.err.copy.already_there":   {"In diesem Ordner liegt der Brief schon.", "That folder holds this letter already."},
		"folders.err.copy.too_many_copies": {"Von diesem Brief gibt es schon so viele Kopien, wie möglich sind.", "This letter has as many copies as there may be."},
	}
}

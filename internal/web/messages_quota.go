package web

// quotaMessages are the texts about a mailbox's storage quota (quota.go;
// SPEC "Limits": a full mailbox may block sending, never receiving).
func quotaMessages() map[string]text {
	return map[string]text{
		"quota.low": {"Ihr Postfach ist fast voll: %s von %s belegt (%d %%). Ist es voll, können Sie keine Briefe mehr versenden. Löschen Sie Briefe, die Sie nicht mehr brauchen, und leeren Sie danach den Papierkorb.",
			"Your mailbox is nearly full: %s of %s used (%d %%). Once it is full you cannot send letters. Delete letters you no longer need, then empty the trash."},
		"quota.full": {"Ihr Postfach ist voll: %s von %s belegt. Sie können keine Briefe versenden, bis Sie Platz schaffen: Löschen Sie Briefe, die Sie nicht mehr brauchen, und leeren Sie danach den Papierkorb; auch Briefe im Papierkorb belegen Platz. Briefe an Sie kommen weiterhin an.",
			"Your mailbox is full: %s of %s used. You cannot send letters until you free space: delete letters you no longer need, then empty the trash; letters in the trash count too. Letters to you still arrive."},
		"compose.err.mailbox_full": {"Der Brief wurde nicht versandt: Ihr Postfach ist voll. Löschen Sie Briefe und leeren Sie den Papierkorb, dann senden Sie ihn erneut.",
			"The letter was not sent: your mailbox is full. Delete letters and empty the trash, then send it again."},

		// The officers' console (officer_quota.go).
		"officer.quota.title":   {"Speicherplatz", "Storage"},
		"officer.quota.used":    {"%s von %s belegt (%d %%)", "%s of %s used (%d %%)"},
		"officer.quota.own":     {"eigenes Kontingent", "own quota"},
		"officer.quota.default": {"Standard des Anbieters", "the provider's default"},
		"officer.quota.lead": {"Ein volles Postfach kann keine Briefe versenden, empfängt aber weiter. Eine Behörde, die viele Briefe versendet, braucht mehr Platz: Jeder gesendete Brief liegt auch in ihrem Postfach.",
			"A full mailbox cannot send letters but still receives. An authority that sends many letters needs more space: every letter it sends also stays in its mailbox."},
		"officer.quota.mib":           {"Kontingent in MiB", "Quota in MiB"},
		"officer.quota.mib.hint":      {"Mindestens 100; 0 setzt es auf den Standard des Anbieters zurück.", "At least 100; 0 returns it to the provider's default."},
		"officer.quota.submit":        {"Kontingent setzen", "Set the quota"},
		"officer.done.quota_set":      {"Das Kontingent ist gesetzt und in der Historie vermerkt.", "The quota is set and recorded in the history."},
		"officer.action.quota_set":    {"Speicherkontingent gesetzt", "Storage quota set"},
		"officer.detail.quota_mib":    {"Kontingent (MiB, 0: Standard)", "Quota (MiB, 0: default)"},
		"officer.detail.previous_mib": {"vorher (MiB, 0: Standard)", "before (MiB, 0: default)"},
		"officer.err.mib.unchanged":   {"Das Konto hat dieses Kontingent schon.", "The account has this quota already."},
		"officer.err.mib.out_of_range": {"Das Kontingent muss 100 bis 1048576 MiB betragen, oder 0 für den Standard des Anbieters.",
			"The quota must be 100 to 1048576 MiB, or 0 for the provider's default."},
	}
}

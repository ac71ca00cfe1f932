package web

// settingsMessages are the texts of the settings pages.
func settingsMessages() map[string]text { return map[string]text{} }

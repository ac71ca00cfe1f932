package web

// composeMessages are the texts of the compose pages.
func composeMessages() map[string]text { return map[string]text{} }

package web

// officerMessages are the texts of the officer pages.
func officerMessages() map[string]text { return map[string]text{} }

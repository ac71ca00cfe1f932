package web

// registerMessages are the texts of the register pages.
func registerMessages() map[string]text { return map[string]text{} }

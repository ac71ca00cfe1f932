package web

// mailMessages are the texts of the mail pages.
func mailMessages() map[string]text { return map[string]text{} }

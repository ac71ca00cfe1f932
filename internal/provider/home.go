package provider

import (
	"html/template"
	"net/http"
)

// homePage is the landing page until the web mailbox arrives: it says what this
// server is and where the API is, in German and English.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Name}} – Siegel</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>{{.Name}}</h1>
<p lang="de">Dies ist ein Siegel-Anbieter für rechtsverbindliche, nachweisbare E-Mail unter <strong>@{{.Domain}}</strong>.
Das Web-Postfach folgt; bis dahin erreichen Sie Ihr Postfach über die Kommandozeile (<code>siegel login</code>) oder die API unter <code>/api/v1</code>.</p>
<p lang="en">This is a Siegel provider of legally binding registered e-mail at <strong>@{{.Domain}}</strong>.
The web mailbox is coming; until then use the command line (<code>siegel login</code>) or the API at <code>/api/v1</code> (see docs/api.md).</p>
</body></html>`))

func (p *Provider) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	homePage.Execute(w, map[string]string{"Name": p.Config.Name, "Domain": p.Config.Domain})
}

package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

func applicationIn(req *ApplicationRequest) registration.Application {
	app := registration.Application{Kind: account.Kind(req.Kind), Address: req.Address,
		Pseudonym: req.Pseudonym, InfoAcknowledged: req.InfoAcknowledged, MalwareConsent: req.MalwareConsent}
	if p := req.Person; p != nil {
		app.Person = &account.PersonData{FirstNames: p.FirstNames, Surname: p.Surname, BirthDate: p.BirthDate,
			BirthPlace: p.BirthPlace, Street: p.Street, Postcode: p.Postcode, Town: p.Town, Country: p.Country}
	}
	if o := req.Organisation; o != nil {
		app.Organisation = &account.OrganisationData{Name: o.Name, LegalForm: o.LegalForm, Street: o.Street,
			Postcode: o.Postcode, Town: o.Town, Country: o.Country, RegisterType: o.RegisterType,
			RegisterPlace: o.RegisterPlace, RegisterNumber: o.RegisterNumber,
			Representatives: o.Representatives, FormalService: o.FormalService}
	}
	return app
}

func applicationOut(a *store.Account) ApplicationResponse {
	return ApplicationResponse{ID: a.ID, Address: a.Address, Kind: string(a.Kind), Pseudonym: a.Pseudonym,
		Status: string(a.Status), CreatedAt: a.CreatedAt}
}

func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) {
	var req ApplicationRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := s.Reg.Apply(r.Context(), applicationIn(&req))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, applicationOut(acc))
}

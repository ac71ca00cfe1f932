package address_test

import (
	"fmt"

	"github.com/siegel-mail/siegel/internal/address"
)

func ExampleGenerate() {
	// The store knows one Hans Peter Müller-Lüdenscheidt already.
	inUse := map[string]bool{"hans_peter.mueller-luedenscheidt@siegel.example": true}
	taken := func(addr string) (bool, error) { return inUse[addr], nil }

	a, err := address.Generate("siegel.example", []string{"Hans Peter", "Müller-Lüdenscheidt"}, taken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a)
	// Output: hans_peter.mueller-luedenscheidt.2@siegel.example
}

func ExamplePseudonym() {
	a, err := address.Pseudonym("Schöne Grüße", "siegel.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a, a.IsPseudonym())

	_, err = address.Pseudonym("Postmaster", "siegel.example")
	fmt.Println(err)
	// Output:
	// pn_schoene_gruesse@siegel.example true
	// The pseudonym name "postmaster" is reserved.
}

func ExampleProposals() {
	inUse := map[string]bool{"erika.mustermann@siegel.example": true}
	taken := func(addr string) (bool, error) { return inUse[addr], nil }

	list, err := address.Proposals("siegel.example", []string{"Erika Maria", "Mustermann"}, taken, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range list {
		fmt.Println(a)
	}
	// Output:
	// erika_maria.mustermann@siegel.example
	// maria.mustermann@siegel.example
	// e.mustermann@siegel.example
	// erika_maria.mustermann.2@siegel.example
}

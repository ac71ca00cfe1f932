// Package federation joins a provider to the federation of accredited
// providers that the accreditation authority's trust list names (TR
// BInfra-IO §7; SPEC "Transport between providers"). This part keeps the
// provider's view of that list: fetched from the authority at start and at
// an interval, checked against the root pinned at siegel init, and never
// replaced by a list that does not verify, is out of date, or is older than
// the one it has: a provider keeps working with the last good list when the
// authority cannot be reached, and says so loudly.
package federation

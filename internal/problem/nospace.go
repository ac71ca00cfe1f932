package problem

// NoSpace is the answer to a request whose write found the provider's disk
// full (store.IsFull): temporary, and saying so, since the same request
// succeeds once the operator has freed space, without a restart. Nothing of
// it was stored.
func NoSpace(cause error) *Error {
	return &Error{Kind: Unavailable, Code: "insufficient_storage", Cause: cause,
		Message: "the provider is out of storage space and stored nothing; try again later"}
}

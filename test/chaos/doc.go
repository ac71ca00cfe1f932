// Package chaos holds the tests that break a federation on purpose and
// then check the one promise a registered-mail provider makes above all:
// what it answered as accepted, it delivers exactly once, with its dispatch
// and receipt evidence, and what it did not accept leaves no trace, never
// half a letter (issue 9; docs/reliability.md).
//
// The crash test (crash_test.go) builds the siegel binary, runs an
// accreditation authority and two providers as processes of their own,
// streams letters from A's users to B's through the HTTP API, and kills A or
// B with SIGKILL at random moments, restarting each on its data folder.
// After the queues have drained it checks both mailboxes through the API as
// their users, and both providers' stores opened with the store packages.
// The network test (network_test.go) runs the same stream and checks
// through a proxy between the providers that resets, cuts, stalls and slows
// their connections; the full-disk test (disk_test.go) fills the small file
// systems their data folders are on. The short versions run in `go test
// ./...`; the long runs and their flags are in README.md. The package has
// tests only.
package chaos

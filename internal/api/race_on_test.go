//go:build race

package api_test

// raceDetector: the tests run under the race detector, which makes every
// memory access costly; TestExportStreams then exports less.
const raceDetector = true

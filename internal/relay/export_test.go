package relay

// Seal is seal, for the tests of what a receiving provider refuses.
var Seal = seal

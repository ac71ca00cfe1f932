// Package blob stores message bodies as immutable, content-addressed blobs,
// encrypted at rest (DESIGN "Storage"). A body is written once, when a letter is
// accepted, and only ever read or finally deleted after that; nothing rewrites it.
// Every implementation (FS now, an S3-compatible store later, Memory for tests)
// satisfies Store and passes the conformance suite in blob/blobtest.
//
// # Names
//
// A blob's ID is the lowercase hex of HMAC-SHA256 over its plaintext, keyed with
// a key derived from the provider's master key. Equal content therefore gets the
// same ID on every node that shares the key, which makes writes idempotent and
// lets two nodes store the same body without coordinating. Unlike a plain SHA-256
// name, the keyed name does not let someone who can list the folder test whether a
// guessed plaintext ("the usual court summons, with this case number") is stored.
// IDs are checked by ValidID before they ever become a path, so a hostile ID such
// as "../../etc/passwd" is refused by every method.
//
// # Encryption
//
// Each blob has its own AES-256-GCM key, HKDF-SHA256(master key, info
// "siegel blob v1 "+ID), and is sealed with an all-zero nonce and the ID as
// additional data. The zero nonce is safe because a key is used for exactly one
// plaintext: the key is derived from the ID, the ID from the plaintext, so a
// (key, nonce) pair never meets two different messages, which is the only thing
// GCM forbids (convergent encryption). Sealing is thereby deterministic: the same
// plaintext always yields the same file bytes, on every node. That is what makes
// the write race between two nodes harmless (both rename identical bytes into
// place). The ID as additional data, together with the per-ID key, makes a file
// copied or renamed to another blob's name fail to decrypt, and Get also
// recomputes the ID from the plaintext before returning it. What convergent
// encryption reveals, that two blobs are equal, the names show anyway; to anyone
// without the master key it reveals nothing else.
//
// # On-disk layout (FS)
//
//	dir/keycheck            proof of which master key this folder belongs to
//	dir/ab/cd/abcd…(64 hex) one blob: "SGB1" ‖ AES-GCM ciphertext ‖ 16-byte tag
//	dir/ab/cd/.tmp-…        a write in progress (or a crash leftover)
//
// Two levels of fan-out by the ID's first four hex digits keep any directory
// small (65 536 leaf directories). A blob is written to a temporary file in its
// final directory and renamed into place, so a reader sees either nothing or the
// whole blob; rename within one directory is atomic. Names that start with "."
// are never blobs: Walk skips them, and NewFS removes ones older than an hour.
//
// # Durability
//
// Put fsyncs a blob's file before renaming it into place, so that a blob
// visible under its name is always on disk: another node sharing the folder
// may find it there, take it as written and commit a letter that names it.
// The rename itself, and the new directories, become durable with Sync. Sync
// makes every blob that this Store value has Put (or found) so far durable.
// Callers Put, then Sync, and only then record the ID in the database (the SQL
// stores call Sync in their pre-commit hook), so a row never names a body
// that a crash could lose. The split exists for grouped commit: many
// concurrent letter accepts each Put their body, and one Sync covers all the
// renames. On Linux that flush is a single syncfs(2) of the blob file system,
// whatever the number of blobs; elsewhere Sync fsyncs each new file and each
// directory that changed. Concurrent Syncs share flushes: a Sync whose blobs
// were covered by a flush that finished meanwhile returns without flushing.
//
// A failed flush is final for an FS value: every later Sync fails too. After a
// failed fsync, Linux may mark the unwritten pages clean, so a retry that succeeds
// proves nothing; like PostgreSQL, the safe reaction is to stop accepting until
// the process restarts.
package blob

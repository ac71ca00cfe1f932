package blob

// Sealer seals small blobs for storage outside a blob folder: the provider keeps
// bodies of a few KiB in the database row's transaction instead of a file, so a
// letter's accept is one commit and one fsync (DESIGN "Storage"). The ID and the
// sealed form are exactly what an FS with the same master key would compute, so
// a body can move between the two without changing its name.
type Sealer struct{ k *keys }

// NewSealer derives the sealing keys from the master key.
func NewSealer(masterKey []byte) (*Sealer, error) {
	k, err := newKeys(masterKey)
	if err != nil {
		return nil, err
	}
	return &Sealer{k: k}, nil
}

// Seal returns data's ID and its encrypted, authenticated stored form.
func (s *Sealer) Seal(data []byte) (ID, []byte, error) {
	id := s.k.id(data)
	sealed, err := s.k.seal(id, data)
	return id, sealed, err
}

// Open returns the plaintext of a sealed blob, checking it against its ID.
func (s *Sealer) Open(id ID, sealed []byte) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return s.k.open(id, sealed)
}

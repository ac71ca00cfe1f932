// Package pki is the accreditation authority's public-key infrastructure and
// the checks that everyone who relies on it runs: the authority (DMG §2: the
// "zuständige Behörde") accredits providers (DMG §17) and gives each one
// certificates from its own CA (TR BInfra-IO §4), publishes the signed list of
// accredited providers (TR BInfra-IO §7), and runs an RFC 3161 time-stamping
// authority whose tokens date the evidence the providers sign (DMG §5 (7)–(9)
// require date and time in every confirmation; SPEC "What the anchors lacked").
//
// Everything here is meant to be checked offline with standard tools: the
// trust list is CMS SignedData that `openssl cms -verify` accepts, and a
// time-stamp token is what `openssl ts -verify` accepts.
//
// # The authority's folder
//
// `siegel authority init` creates it. New files are written to a temporary
// file, flushed, and linked to their name, which fails if the name is taken:
// nothing is overwritten, and no name ever shows half a file. Only the
// registry entries, the revocations, the sequence counter, the server's
// certificate and the published list are replaced, atomically (temporary
// file, flush, rename):
//
//	authority.json            name, creation time, format version; written last, so
//	                          a folder without it is an interrupted init
//	root.key, root.crt        the root CA: self-signed, 20 years, keyCertSign|cRLSign,
//	                          CA with path length 0 (only end-entity certificates below)
//	tsa.key, tsa.crt          the time-stamping authority, issued by the root, 10 years,
//	                          extended key usage timeStamping only and critical (RFC 3161 §2.3)
//	trustlist-signer.key,     the trust-list signer, issued by the root, 10 years, extended
//	trustlist-signer.crt      key usage OIDTrustListSigning; so the root key signs only
//	                          certificates and can stay offline
//	providers/DOMAIN.json     the registry: one file per accredited provider (domain,
//	                          name, issue time, seal and TLS certificate in DER, and
//	                          once accredited its endpoints and their time); the
//	                          trust list is built from these files
//	revoked.json              every revocation ever recorded (Revoke, and certificates
//	                          replaced by Issue or Accredit); it only grows
//	trustlist.seq             the last trust-list sequence number handed out
//	trustlist.p7m             the latest signed list, unless written elsewhere (--out)
//	server.key, server.crt    the TLS key and certificate of `siegel authority serve`,
//	                          issued by the root for its host names, 1 year, serverAuth
//	authority.lock            taken while issuing, accrediting, revoking or signing, so
//	                          two commands never hand out one sequence number twice
//
// Keys are ECDSA P-256 in PKCS#8 PEM files of mode 0600; certificates are PEM
// files of mode 0644. The folder itself is 0700.
//
// # A provider's certificates
//
// `siegel authority issue` writes into the provider's own folder seal.key and
// seal.crt (the seal that signs evidence and confirmations), tls.key and
// tls.crt (mutual TLS between providers, TR BInfra-IO §2), and a copy of
// root.crt. Each certificate has its own new key, a random 128-bit serial and
// is valid 2 years, less than the 3 years after which an accreditation must be
// renewed (DMG §17 (3)). Both carry CN=domain and O=provider name
// (TR BInfra-IO §4 Table 2 names the certificate by the provider's domain)
// and the domain as DNS name. The seal has key usage digitalSignature and
// contentCommitment, extended key usage emailProtection, and the addresses of
// the confirmation senders (versandbestaetigung@DOMAIN …) so mail clients show
// signed confirmations as signed by their sender. The TLS certificate has
// serverAuth and clientAuth and also names localhost, 127.0.0.1 and ::1, for
// federations on one machine (tests, the demo).
//
// # The trust list
//
// The content is JSON (schema version 2), UTF-8, with these members and no
// others; ParseTrustList reads version 2 alone:
//
//	{
//	  "version": 2,                          // this schema
//	  "issuer": "Siegel Accreditation Authority", // the authority's name: O of root.crt
//	  "sequence": 7,                         // increases with every list of this authority
//	  "issued": "2026-11-29T10:00:00Z",      // RFC 3339, UTC, whole seconds
//	  "next_update": "2026-11-30T10:00:00Z", // the list is void after this instant
//	  "providers": [                         // sorted by domain, each domain once
//	    {
//	      "domain": "anbieter-a.example",    // lower case, as address.ParseDomain gives it
//	      "name": "Anbieter A GmbH",
//	      "smtp": "mail.anbieter-a.example:1465", // inbound federation SMTP, host:port
//	      "api": "https://post.anbieter-a.example", // its API; both "" until accredited
//	      "seal_cert": "MIIB…",              // standard base64 of the DER certificate
//	      "tls_cert": "MIIB…"
//	    }
//	  ],
//	  "revoked": [                           // every revocation so far, by time
//	    {
//	      "domain": "anbieter-c.example",
//	      "seal_cert_sha256": "9f86…",       // lower-case hex SHA-256 of the DER
//	      "tls_cert_sha256": "60303…",
//	      "revoked_at": "2026-11-02T08:00:00Z",
//	      "reason": "replaced"               // or the authority's words
//	    }
//	  ]
//	}
//
// Endpoints are canonical (CheckSMTPEndpoint, CheckAPIEndpoint): a host in
// lower case or an IP literal in its shortest form, no user, query or
// fragment in the URL. Each certificate is revoked at most once, and no
// listed certificate is revoked.
//
// It is wrapped in CMS SignedData (RFC 5652 §5) with the content attached,
// eContentType OIDTrustList, SHA-256 and ECDSA, signed attributes contentType,
// signingTime and messageDigest, and the signer's certificate included. The
// file is DER; `openssl cms -verify -inform DER -in trustlist.p7m -CAfile
// root.crt -purpose any` verifies it and prints the JSON. ParseTrustList is the
// relying party's check. TR BInfra-IO §7 describes the German list as an ETSI TS
// 102 231 XML document; JSON in CMS carries the same facts (domains, status
// by presence, next update) and is checked with one standard command.
//
// Removing a provider from the list is how the authority revokes it: a relying
// party must check the peer's certificate at least every 24 hours (TR
// BInfra-IO §2), so the list's lifetime bounds how long a removed provider
// stays trusted; it defaults to 24 hours. Evidence a provider signed before it
// lost its accreditation stays valid (DMG §20 (4)): it is checked against the
// time-stamp, not against today's list. That is what the revoked array is
// for: like the status history of an ETSI TS 102 231 list, it keeps when each
// seal stopped being good, so TrustList.SealStatus answers years later
// whether a seal was revoked before or after a time-stamp.
//
// # The federation server
//
// Authority.Serve publishes over HTTPS (TLS 1.2 or later) what providers
// fetch: the current list at TrustListPath, the root at RootCertPath, the TSA
// at TSAPath (Authority.Handler without the TLS). The list is signed at the
// first request and again when the registry or the revocations change or half
// of its validity has passed, so a fetched list is valid for at least half of
// it. The server's certificate comes from the root, so a provider needs to
// pin nothing but root.crt.
//
// # Time stamps
//
// TSA issues RFC 3161 TimeStampTokens over SHA-256 digests: CMS SignedData
// with eContentType id-ct-TSTInfo, the TSA certificate included, the
// signing-certificate-v2 attribute (RFC 5816) binding the signature to that
// certificate, a random 128-bit serial number per token, genTime from the
// injected clock in whole seconds with an accuracy of one second, and the
// policy OIDTSAPolicy. TSA.Handler serves the protocol over HTTP (RFC 3161
// §3.4); HTTPTimestamper is its client and works with any RFC 3161 server.
// VerifyTimestamp checks a token from either.
//
// # Object identifiers
//
// Siegel has no IANA Private Enterprise Number yet. Its OIDs live under
// 1.3.6.1.4.1.32473, the number IANA reserves for documentation (RFC 5612),
// in the sub-arc 7434 ("SIEG" on a phone keypad): they collide with no real
// enterprise's, and they say plainly that they are provisional. A production
// authority registers its own number and changes oidArc before issuing.
//
//	1.3.6.1.4.1.32473.7434.1.1   OIDTSAPolicy: the policy in every TSTInfo
//	1.3.6.1.4.1.32473.7434.2.1   OIDTrustList: the eContentType of a trust list
//	1.3.6.1.4.1.32473.7434.3.1   OIDTrustListSigning: the trust-list signer's
//	                             extended key usage (critical)
//
// # CMS
//
// The SignedData of the trust list and of time-stamp tokens is written, read
// and verified by internal/cms, which evidence files share; its package
// comment says why that is written by hand rather than with
// github.com/digitorus/pkcs7 (the wall clock in signing-time, a forgiving
// parser). The tests check every result with pkcs7 and with OpenSSL as
// independent verifiers. The time-stamp protocol messages (requests,
// responses) come from github.com/digitorus/timestamp.
//
// # Time and randomness
//
// Functions take the time as an argument (now time.Time) or a clock.Clock
// (the TSA that LoadAuthority returns runs on clock.Real until its Clock is
// set); no date written into a certificate, list or token, and no validity
// check, reads the wall clock. Serial numbers and nonces come from an
// io.Reader (crypto/rand by default). Key generation always uses the system's
// secure source: since Go 1.26 crypto/ecdsa ignores any other reader (tests
// that need fixed keys use testing/cryptotest.SetGlobalRandom).
package pki

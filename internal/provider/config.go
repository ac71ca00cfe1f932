package provider

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/durable"
	"github.com/siegel-mail/siegel/internal/malware"
)

// ConfigFile is the config's name in the data folder.
const ConfigFile = "siegel.toml"

// Config is the one truth about a provider's settings: the file siegel.toml in
// its data folder is this struct in TOML, unknown keys are an error, and
// docs/config.md is generated from it (go run ./internal/provider/configdoc/cmd/configdoc).
// Paths are relative to the data folder.
type Config struct {
	Domain string `toml:"domain" comment:"The provider's mail domain: addresses are local@domain."`
	Name   string `toml:"name" comment:"The provider's name as shown to users and in evidence."`
	Listen string `toml:"listen" comment:"Address the HTTP API and web pages listen on."`
	// PublicURL is how clients reach the server; the demo and the CLI use it.
	PublicURL  string           `toml:"public_url" comment:"The URL clients and browsers use to reach this server (scheme, host, port). Its host, when a name and not an IP address, is the relying party of the users' passkeys (WebAuthn): they work only at that name, so set it before users add passkeys."`
	TLS        TLSConfig        `toml:"tls"`
	Store      StoreConfig      `toml:"store"`
	Keys       KeysConfig       `toml:"keys"`
	Authority  AuthorityConfig  `toml:"authority"`
	Seal       SealConfig       `toml:"seal"`
	Timestamp  TimestampConfig  `toml:"timestamp"`
	Federation FederationConfig `toml:"federation"`
	Queue      QueueConfig      `toml:"queue"`
	Limits     Limits           `toml:"limits"`
	Login      Login            `toml:"login"`
	Malware    MalwareConfig    `toml:"malware"`
	Log        LogConfig        `toml:"log"`
}

// MalwareConfig is the malware scanner every letter passes (TR PVD-FU
// §3.1.3.1; TR PVD-Si §5.2.4): ClamAV's clamd, over its socket.
type MalwareConfig struct {
	Scanning string   `toml:"scanning" comment:"on: every letter is scanned by clamd when submitted here and when it arrives from another provider; an infected one is refused and its sender or recipient notified; while clamd does not answer, letters are refused with a temporary error, never passed unscanned, and siegel serve does not start. off: no letter is scanned, which TR PVD-FU §3.1.3.1 does not allow in production (for tests and demos without clamd only)."`
	Clamd    string   `toml:"clamd" comment:"clamd's socket: unix:/path (Debian's clamav-daemon: unix:/run/clamav/clamd.ctl) or tcp:host:port. Its StreamMaxLength must exceed the largest message (limits.max_message_mib, base64-encoded: times 1.4, and 45 MiB from other providers), and AlertExceedsMax yes makes it refuse zip bombs (docs/operations.md)."`
	Timeout  Duration `toml:"timeout" comment:"Longest wait for clamd's answer about one letter, connecting included; a letter not answered in time is refused with a temporary error."`
}

// AuthorityConfig pins the accreditation authority the provider belongs to.
type AuthorityConfig struct {
	RootCert string `toml:"root_cert" comment:"The accreditation authority's root certificate (PEM), pinned by siegel init --authority: the seal certificate, and later the trust list and other providers, are checked against it. Empty: the provider has no authority and signs no evidence."`
}

// SealConfig is the provider's seal: the key that signs its evidence.
type SealConfig struct {
	CertFile string `toml:"cert_file" comment:"The provider's seal certificate (PEM), issued by the authority. Empty: no seal."`
	KeyFile  string `toml:"key_file" comment:"The seal's private key (PEM, mode 0600)."`
}

// TimestampConfig is where the time-stamps on the provider's evidence come
// from (RFC 3161; ETSI EN 319 122-1 B-T): an authority's time-stamping
// service over HTTP, or a built-in one with the authority's TSA key.
type TimestampConfig struct {
	URL      string `toml:"url" comment:"An RFC 3161 time-stamping service (HTTP POST of application/timestamp-query), such as the authority's. Empty: the built-in time-stamping authority with cert_file and key_file."`
	CertFile string `toml:"cert_file" comment:"The built-in time-stamping authority's certificate (PEM), issued by the authority for time-stamping only; siegel init --authority copies a local authority's."`
	KeyFile  string `toml:"key_file" comment:"The built-in time-stamping authority's private key (PEM, mode 0600)."`
}

// FederationConfig joins the provider to the authority's federation (TR
// BInfra-IO §7).
type FederationConfig struct {
	TrustListURL     string   `toml:"trust_list_url" comment:"Where the authority publishes its signed trust list (siegel authority serve: https://HOST:PORT/trustlist.p7m). Fetched at start and every trust_list_refresh, checked against authority.root_cert; the last good list is kept in trustlist.p7m in the data folder. Empty: no federation."`
	TrustListRefresh Duration `toml:"trust_list_refresh" comment:"How often to fetch the trust list (SPEC: revocation checked at least daily). After a failed fetch the node tries again after a tenth of it."`
	Listen           string   `toml:"listen" comment:"Address the SMTP server for the other providers listens on: implicit TLS with mutual authentication by tls.cert_file (TR BInfra-IO port 1465). The trust list names it as this provider's SMTP endpoint (siegel authority accredit --smtp). Empty: no letters from other providers."`
	RelayDeadline    Duration `toml:"relay_deadline" comment:"How long after dispatch a letter to another provider is tried before its sender gets RelayFailure evidence and a notice. At least 4h, the handover deadline, after which the sender is warned."`
	SMTPTimeout      Duration `toml:"smtp_timeout" comment:"How long to wait for a connection, a reply or a write between providers, each way (RFC 5321 §4.5.3.2 suggests minutes)."`
}

// QueueConfig tunes the queued work every node shares (confirmations,
// deadlines).
type QueueConfig struct {
	Lease Duration `toml:"lease" comment:"How long a node holds a queued job before another node may take it over: after a node dies, its jobs wait this long. At least 5s; a job's work must fit in nine tenths of it."`
}

// TLSConfig is the listener's certificate.
type TLSConfig struct {
	CertFile string `toml:"cert_file" comment:"PEM certificate chain. siegel init generates one for loopback use."`
	KeyFile  string `toml:"key_file" comment:"PEM private key of the certificate (mode 0600)."`
}

// StoreConfig says where data lives.
type StoreConfig struct {
	URL     string `toml:"url" comment:"Metadata store: sqlite:PATH (embedded, one machine; the default) or postgres://USER@HOST:PORT/DB?… (PostgreSQL, shared by every node of a provider)."`
	BlobDir string `toml:"blob_dir" comment:"Folder of encrypted, content-addressed message bodies."`
	// InlineMaxKiB: bodies up to this size live in the database, committed with
	// their letter; larger ones are files in blob_dir.
	InlineMaxKiB int `toml:"inline_max_kib" comment:"Bodies up to this many KiB are kept, encrypted, in the database and committed with their letter (one fsync per group of accepts); larger ones are files in blob_dir."`
}

// KeysConfig names the provider's secrets, each in its own file.
type KeysConfig struct {
	MasterKey string `toml:"master_key" comment:"32-byte key file (mode 0600) that encrypts blobs and secrets at rest. Losing it loses all letters."`
}

// Limits are the provider's limits (SPEC "Limits", "Accounts").
type Limits struct {
	MaxMessageMiB   int    `toml:"max_message_mib" comment:"Largest letter a user may send, text and attachments (SPEC: at least 20)."`
	DailyMessages   int    `toml:"daily_messages" comment:"Letters a sender at login level normal may send per day (SPEC: at most 100)."`
	DailyRecipients int    `toml:"daily_recipients" comment:"Recipients, in total, a sender at normal may address per day (SPEC: at most 300)."`
	TimeZone        string `toml:"time_zone" comment:"Time zone in which the daily limits' day begins."`
	MailboxQuotaMiB int    `toml:"mailbox_quota_mib" comment:"Storage of each mailbox, in MiB, unless an officer gives an account its own (siegel account quota): every letter, confirmation and copy it holds, the trash included. Under 10 % free the holder is warned; a full mailbox cannot send, but letters to it still arrive (SPEC: at least 100)."`
}

// Login configures authentication.
type Login struct {
	MaxFailures   int      `toml:"max_failures" comment:"Wrong passwords or codes before the login locks (SPEC: at most 3)."`
	LockBase      Duration `toml:"lock_base" comment:"First lock's duration; each further lock is 4 times longer."`
	LockMax       Duration `toml:"lock_max" comment:"Longest lock."`
	SessionIdle   Duration `toml:"session_idle" comment:"A session unused this long ends."`
	SessionMaxAge Duration `toml:"session_max_age" comment:"Any session ends after this long."`
	Argon2MemKiB  uint32   `toml:"argon2_memory_kib" comment:"argon2id memory per password hash, in KiB."`
	Argon2Time    uint32   `toml:"argon2_time" comment:"argon2id passes."`
	Argon2Threads uint8    `toml:"argon2_threads" comment:"argon2id lanes."`
}

// LogConfig configures logging.
type LogConfig struct {
	Level  string `toml:"level" comment:"debug, info, warn or error."`
	Format string `toml:"format" comment:"text or json."`
}

// Duration is a time.Duration written as "90s" or "1h" in TOML.
type Duration struct{ time.Duration }

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads Go duration syntax.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 90s or 1h", b)
	}
	d.Duration = v
	return nil
}

// DefaultConfig is the configuration siegel init writes, before the domain and
// name are filled in.
func DefaultConfig() Config {
	return Config{
		Listen:    "127.0.0.1:8443",
		PublicURL: "https://127.0.0.1:8443",
		TLS:       TLSConfig{CertFile: "keys/tls.crt", KeyFile: "keys/tls.key"},
		Store:     StoreConfig{URL: "sqlite:siegel.db", BlobDir: "blobs", InlineMaxKiB: 64},
		Keys:      KeysConfig{MasterKey: "keys/master.key"},
		Federation: FederationConfig{TrustListRefresh: Duration{10 * time.Minute},
			RelayDeadline: Duration{24 * time.Hour}, SMTPTimeout: Duration{5 * time.Minute}},
		Queue:  QueueConfig{Lease: Duration{time.Minute}},
		Limits: Limits{MaxMessageMiB: 20, DailyMessages: 100, DailyRecipients: 300, TimeZone: "Europe/Berlin", MailboxQuotaMiB: 100},
		Login: Login{MaxFailures: 3, LockBase: Duration{time.Minute}, LockMax: Duration{24 * time.Hour},
			SessionIdle: Duration{time.Hour}, SessionMaxAge: Duration{24 * time.Hour},
			Argon2MemKiB: 19456, Argon2Time: 2, Argon2Threads: 1},
		Malware: MalwareConfig{Scanning: "on", Clamd: malware.DefaultAddress, Timeout: Duration{2 * time.Minute}},
		Log:     LogConfig{Level: "info", Format: "text"},
	}
}

// LoadConfig reads and checks dir/siegel.toml.
func LoadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(dir + "/" + ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c := DefaultConfig()
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) && len(strict.Errors) > 0 {
			var keys []string
			for _, e := range strict.Errors {
				row, _ := e.Position()
				keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
			}
			return nil, fmt.Errorf("%s: unknown keys: %s", ConfigFile, strings.Join(keys, ", "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, fmt.Errorf("%s: line %d: %s: %w", ConfigFile, row, strings.Join(de.Key(), "."), err)
		}
		return nil, fmt.Errorf("%s: %w", ConfigFile, err)
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigFile, err)
	}
	return &c, nil
}

// Check validates the config, naming the key that is wrong.
func (c *Config) Check() error {
	if _, err := address.ParseDomain(c.Domain); err != nil {
		return fmt.Errorf("domain: %v", err)
	}
	switch {
	case c.Name == "":
		return fmt.Errorf("name: must be set")
	case c.Listen == "":
		return fmt.Errorf("listen: must be set")
	case (c.Seal.CertFile == "") != (c.Seal.KeyFile == ""):
		return fmt.Errorf("seal.cert_file, seal.key_file: set both or neither")
	case c.Seal.CertFile != "" && c.Authority.RootCert == "":
		return fmt.Errorf("authority.root_cert: required with a seal, which must chain to it")
	case (c.Timestamp.CertFile == "") != (c.Timestamp.KeyFile == ""):
		return fmt.Errorf("timestamp.cert_file, timestamp.key_file: set both or neither")
	case c.Timestamp.URL != "" && c.Timestamp.CertFile != "":
		return fmt.Errorf("timestamp.url, timestamp.cert_file: set the URL of a time-stamping service or a built-in one's files, not both")
	case c.Timestamp.URL != "" && !strings.HasPrefix(c.Timestamp.URL, "https://") && !strings.HasPrefix(c.Timestamp.URL, "http://"):
		return fmt.Errorf("timestamp.url: %q is not an http:// or https:// URL", c.Timestamp.URL)
	case storeKind(c.Store.URL) == "":
		return fmt.Errorf("store.url: %q is neither sqlite:PATH nor a postgres:// URL", c.Store.URL)
	case c.Federation.TrustListURL != "" && c.Authority.RootCert == "":
		return fmt.Errorf("federation.trust_list_url: needs authority.root_cert, the root the list is checked against")
	case c.Federation.TrustListURL != "" && !strings.HasPrefix(c.Federation.TrustListURL, "https://"):
		return fmt.Errorf("federation.trust_list_url: %q is not an https:// URL", c.Federation.TrustListURL)
	case c.Federation.TrustListRefresh.Duration < time.Second || c.Federation.TrustListRefresh.Duration > 24*time.Hour:
		return fmt.Errorf("federation.trust_list_refresh: must be 1s to 24h (SPEC: revocation is checked at least daily)")
	case c.Federation.Listen != "" && c.Federation.TrustListURL == "":
		return fmt.Errorf("federation.listen: needs federation.trust_list_url: peers are checked against the trust list")
	case c.Federation.RelayDeadline.Duration < 4*time.Hour:
		return fmt.Errorf("federation.relay_deadline: %s is shorter than the 4h handover deadline", c.Federation.RelayDeadline.Duration)
	case c.Federation.SMTPTimeout.Duration < time.Second || c.Federation.SMTPTimeout.Duration > time.Hour:
		return fmt.Errorf("federation.smtp_timeout: must be 1s to 1h")
	case c.Queue.Lease.Duration < 5*time.Second:
		return fmt.Errorf("queue.lease: %s is shorter than 5s", c.Queue.Lease.Duration)
	case c.Store.InlineMaxKiB < 0 || c.Store.InlineMaxKiB > 1024:
		return fmt.Errorf("store.inline_max_kib: must be 0 to 1024")
	case c.Limits.MaxMessageMiB < 20:
		return fmt.Errorf("limits.max_message_mib: must be at least 20 (TR PVD-FU)")
	case c.Limits.DailyMessages < 1 || c.Limits.DailyMessages > 100:
		return fmt.Errorf("limits.daily_messages: must be 1 to 100 (DMG: at most 100 at normal)")
	case c.Limits.DailyRecipients < 1 || c.Limits.DailyRecipients > 300:
		return fmt.Errorf("limits.daily_recipients: must be 1 to 300")
	case c.Limits.MailboxQuotaMiB < 100 || int64(c.Limits.MailboxQuotaMiB) > account.MaxQuota>>20:
		return fmt.Errorf("limits.mailbox_quota_mib: must be 100 to %d (SPEC: a mailbox holds at least 100 MiB)", account.MaxQuota>>20)
	case c.Login.MaxFailures < 1 || c.Login.MaxFailures > 3:
		return fmt.Errorf("login.max_failures: must be 1 to 3 (SPEC: lock after at most 3)")
	case c.Login.LockBase.Duration <= 0 || c.Login.LockMax.Duration < c.Login.LockBase.Duration:
		return fmt.Errorf("login.lock_base, login.lock_max: need 0 < lock_base <= lock_max")
	case c.Login.SessionIdle.Duration <= 0 || c.Login.SessionMaxAge.Duration <= 0:
		return fmt.Errorf("login.session_idle, login.session_max_age: must be positive")
	case c.Login.Argon2MemKiB < 8 || c.Login.Argon2Time < 1 || c.Login.Argon2Threads < 1:
		return fmt.Errorf("login.argon2_*: memory >= 8 KiB, time >= 1, threads >= 1")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q must be debug, info, warn or error", c.Log.Level)
	}
	if err := c.Malware.check(); err != nil {
		return err
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q must be text or json", c.Log.Format)
	}
	if _, err := time.LoadLocation(c.Limits.TimeZone); err != nil {
		return fmt.Errorf("limits.time_zone: %v", err)
	}
	return nil
}

// check validates the malware section.
func (m *MalwareConfig) check() error {
	if m.Scanning != "on" && m.Scanning != "off" {
		return fmt.Errorf("malware.scanning: %q must be \"on\" or \"off\" (TR PVD-FU §3.1.3.1: on in production)", m.Scanning)
	}
	if _, _, err := malware.ParseAddress(m.Clamd); err != nil {
		return fmt.Errorf("malware.clamd: %v", err)
	}
	if m.Timeout.Duration < time.Second || m.Timeout.Duration > 10*time.Minute {
		return fmt.Errorf("malware.timeout: must be 1s to 10m")
	}
	return nil
}

// ScanningOn reports whether letters are scanned for malware.
func (m *MalwareConfig) ScanningOn() bool { return m.Scanning == "on" }

// Marshal renders the config as annotated TOML.
func (c *Config) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Siegel provider configuration. Reference: docs/config.md\n\n")
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EditConfig changes the config in dir with edit, checks the result and
// replaces the file durably: for tools that set up a provider (the demo,
// tests) after siegel init.
func EditConfig(dir string, edit func(*Config)) error {
	c, err := LoadConfig(dir)
	if err != nil {
		return err
	}
	edit(c)
	if err := c.Check(); err != nil {
		return err
	}
	b, err := c.Marshal()
	if err != nil {
		return err
	}
	return durable.ReplaceFile(filepath.Join(dir, ConfigFile), b, 0o600)
}

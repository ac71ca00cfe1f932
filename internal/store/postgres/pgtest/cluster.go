package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a PostgreSQL server of the test's own, on a free loopback port,
// which the test may crash and restart: the machine's shared server must
// never be restarted by a test.
type Cluster struct {
	t   testing.TB
	bin string // the folder of initdb and pg_ctl
	dir string // the data folder
	// URL is the cluster's postgres database, as its superuser.
	URL string
	run []string // the prefix that runs a server program as its owner
}

// NewCluster initialises and starts a cluster for t, stopped when t ends. It
// skips t (fails it under CI) when PostgreSQL's server programs are missing.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := serverBin()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("initdb and pg_ctl not found (Debian: postgresql); the crash tests would not run")
		}
		t.Skip("initdb and pg_ctl not found (Debian package postgresql): skipping the test that restarts a server")
	}
	c := &Cluster{t: t, bin: bin}
	// The server refuses to run as root; run it as the postgres user then,
	// in a folder of its own outside the test's root-only temporary folder.
	dir, err := os.MkdirTemp("", "siegel-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.run = []string{"runuser", "-u", "postgres", "--"}
	}
	port := freePort(t)
	c.exec("initdb", "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = on\nsynchronous_commit = on\n", port, dir)
	f, err := os.OpenFile(filepath.Join(dir, "data", "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(conf)
	f.Close()
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	c.ctl("start")
	t.Cleanup(func() { c.ctl("stop", "-m", "immediate") })
	return c
}

// Crash stops the server the way a power cut or kill -9 of the postmaster
// does (every backend killed, no checkpoint) and starts it again, which runs
// crash recovery from the WAL.
func (c *Cluster) Crash() {
	c.t.Helper()
	c.ctl("restart", "-m", "immediate")
}

func (c *Cluster) ctl(args ...string) {
	c.t.Helper()
	c.exec("pg_ctl", append([]string{"-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60"}, args...)...)
}

func (c *Cluster) exec(prog string, args ...string) {
	c.t.Helper()
	argv := append(append(append([]string{}, c.run...), filepath.Join(c.bin, prog)), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("%s: %v\n%s\nserver log:\n%s", strings.Join(argv, " "), err, out, log)
	}
}

// serverBin finds the folder of initdb and pg_ctl: pg_config's, or Debian's.
func serverBin() string {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	deb, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	dirs = append(dirs, deb...)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
				return d
			}
		}
	}
	return ""
}

// freePort finds a free loopback port below the kernel's ephemeral range.
// A port from the ephemeral range (what port 0 yields) may be taken as the
// local end of any outgoing connection while the server is down, and then
// the restart after a crash cannot bind it again: CI saw exactly that.
func freePort(t testing.TB) int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	for range 200 {
		port := 10000 + r.IntN(low-10000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return 0
}

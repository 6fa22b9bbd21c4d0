package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// writePair writes a fresh certificate and key into dir and returns their
// paths.
func writePair(t testing.TB, dir, name string) (certFile, keyFile string) {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, name+"-cert.pem")
	keyFile = filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, g.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// badConfigTests are the invalid configurations of the contract: each must
// exit non-zero at once with one line on stderr naming the variable or file.
func badConfigTests(t *testing.T) []struct {
	name  string
	env   []string
	wants []string // all must appear in the stderr line
} {
	dir := t.TempDir()
	certA, keyA := writePair(t, dir, "a")
	_, keyB := writePair(t, dir, "b")
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a pem file\n"), 0o644)
	missing := filepath.Join(dir, "missing.pem")
	return []struct {
		name  string
		env   []string
		wants []string
	}{
		{"handshake timeout unparseable", []string{"TLSECHO_HANDSHAKE_TIMEOUT=ten"}, []string{"TLSECHO_HANDSHAKE_TIMEOUT", "ten"}},
		{"idle timeout unparseable", []string{"TLSECHO_IDLE_TIMEOUT=5"}, []string{"TLSECHO_IDLE_TIMEOUT"}},
		{"ping interval unparseable", []string{"TLSECHO_PING_INTERVAL=often"}, []string{"TLSECHO_PING_INTERVAL"}},
		{"shutdown timeout unparseable", []string{"TLSECHO_SHUTDOWN_TIMEOUT=1x"}, []string{"TLSECHO_SHUTDOWN_TIMEOUT"}},
		{"shutdown timeout negative", []string{"TLSECHO_SHUTDOWN_TIMEOUT=-1s"}, []string{"TLSECHO_SHUTDOWN_TIMEOUT", "positive"}},
		{"handshake timeout zero", []string{"TLSECHO_HANDSHAKE_TIMEOUT=0s"}, []string{"TLSECHO_HANDSHAKE_TIMEOUT"}},
		{"tls addr unparseable", []string{"TLSECHO_TLS_ADDR=8433"}, []string{"TLSECHO_TLS_ADDR", "8433"}},
		{"tls addr IPv6 without brackets", []string{"TLSECHO_TLS_ADDR=::1:8433"}, []string{"TLSECHO_TLS_ADDR", "an IPv6 address goes in brackets, as in [::1]:8433"}},
		{"https addr bad port", []string{"TLSECHO_HTTPS_ADDR=:http-ish"}, []string{"TLSECHO_HTTPS_ADDR"}},
		{"admin addr port out of range", []string{"TLSECHO_ADMIN_ADDR=:70000"}, []string{"TLSECHO_ADMIN_ADDR"}},
		{"cert without key", []string{"TLSECHO_CERT_FILE=" + certA}, []string{"TLSECHO_KEY_FILE"}},
		{"key without cert", []string{"TLSECHO_KEY_FILE=" + keyA}, []string{"TLSECHO_CERT_FILE"}},
		{"cert file missing", []string{"TLSECHO_CERT_FILE=" + missing, "TLSECHO_KEY_FILE=" + keyA}, []string{missing}},
		{"key file missing", []string{"TLSECHO_CERT_FILE=" + certA, "TLSECHO_KEY_FILE=" + missing}, []string{missing}},
		// Root reads any file, so "unreadable" is made with a directory.
		{"cert file unreadable", []string{"TLSECHO_CERT_FILE=" + dir, "TLSECHO_KEY_FILE=" + keyA}, []string{dir}},
		{"cert file not PEM", []string{"TLSECHO_CERT_FILE=" + garbage, "TLSECHO_KEY_FILE=" + keyA}, []string{garbage}},
		{"key does not match cert", []string{"TLSECHO_CERT_FILE=" + certA, "TLSECHO_KEY_FILE=" + keyB}, []string{certA, keyB, "does not match"}},
		{"client CA missing", []string{"TLSECHO_CLIENT_CA_FILE=" + missing}, []string{"TLSECHO_CLIENT_CA_FILE", missing}},
		// A name with a newline in it is still one line, the newline
		// written as \n.
		{"cert file name with a newline", []string{"TLSECHO_CERT_FILE=" + missing + "\nx", "TLSECHO_KEY_FILE=" + keyA}, []string{missing + `\nx`}},
		{"client CA name with a newline", []string{"TLSECHO_CLIENT_CA_FILE=" + missing + "\nx"}, []string{"TLSECHO_CLIENT_CA_FILE", missing + `\nx`}},
		{"client CA not PEM", []string{"TLSECHO_CLIENT_CA_FILE=" + garbage}, []string{"TLSECHO_CLIENT_CA_FILE", garbage}},
		{"tls min version", []string{"TLSECHO_TLS_MIN_VERSION=1.1"}, []string{"TLSECHO_TLS_MIN_VERSION", "1.1"}},
		{"max conns not a number", []string{"TLSECHO_MAX_CONNS=many"}, []string{"TLSECHO_MAX_CONNS", "many"}},
		{"max conns zero", []string{"TLSECHO_MAX_CONNS=0"}, []string{"TLSECHO_MAX_CONNS"}},
		{"max message bytes negative", []string{"TLSECHO_MAX_MESSAGE_BYTES=-5"}, []string{"TLSECHO_MAX_MESSAGE_BYTES"}},
		{"compression not a bool", []string{"TLSECHO_WS_COMPRESSION=yes please"}, []string{"TLSECHO_WS_COMPRESSION", "true or false", "1 and 0"}},
		{"origin with path", []string{"TLSECHO_ALLOWED_ORIGINS=https://a.example/app"}, []string{"TLSECHO_ALLOWED_ORIGINS"}},
		{"origin without scheme", []string{"TLSECHO_ALLOWED_ORIGINS=a.example:8443"}, []string{"TLSECHO_ALLOWED_ORIGINS"}},
		{"log level", []string{"TLSECHO_LOG_LEVEL=verbose"}, []string{"TLSECHO_LOG_LEVEL", "verbose"}},
		{"log format", []string{"TLSECHO_LOG_FORMAT=xml"}, []string{"TLSECHO_LOG_FORMAT", "xml"}},
		{"hosts empty", []string{"TLSECHO_HOSTS=,"}, []string{"TLSECHO_HOSTS"}},
		{"origin list, one bad entry", []string{"TLSECHO_ALLOWED_ORIGINS=https://a.example, https://b.example/app"}, []string{"TLSECHO_ALLOWED_ORIGINS", `"https://b.example/app"`}},
		{"origin list, space inside an entry", []string{"TLSECHO_ALLOWED_ORIGINS=https://a.example https://b.example"}, []string{"TLSECHO_ALLOWED_ORIGINS", `"https://a.example https://b.example"`}},
		{"hosts list, one URL", []string{"TLSECHO_HOSTS=localhost, https://b.example"}, []string{"TLSECHO_HOSTS", `"https://b.example"`}},
		{"hosts list, host:port", []string{"TLSECHO_HOSTS=localhost:8443"}, []string{"TLSECHO_HOSTS", `"localhost:8443"`}},
		{"hosts, unbalanced bracket", []string{"TLSECHO_HOSTS=localhost,[::1"}, []string{"TLSECHO_HOSTS", `"[::1"`, "unbalanced", `write "::1"`}},
		{"hosts, closing bracket alone", []string{"TLSECHO_HOSTS=::1]"}, []string{"TLSECHO_HOSTS", `"::1]"`, "unbalanced", `write "::1"`}},
		{"hosts, IPv4 in brackets", []string{"TLSECHO_HOSTS=[127.0.0.1]"}, []string{"TLSECHO_HOSTS", `"[127.0.0.1]"`, `write "127.0.0.1"`}},
		{"hosts, name in brackets", []string{"TLSECHO_HOSTS=[localhost]"}, []string{"TLSECHO_HOSTS", `"[localhost]"`, "IPv6 address alone"}},
		{"hosts, double brackets", []string{"TLSECHO_HOSTS=[[::1]]"}, []string{"TLSECHO_HOSTS", `"[[::1]]"`}},
		{"drain delay unparseable", []string{"TLSECHO_DRAIN_DELAY=soon"}, []string{"TLSECHO_DRAIN_DELAY", "soon"}},
		{"drain delay negative", []string{"TLSECHO_DRAIN_DELAY=-1s"}, []string{"TLSECHO_DRAIN_DELAY", "negative"}},
		{"drain delay fills the shutdown timeout", []string{"TLSECHO_DRAIN_DELAY=15s"}, []string{"TLSECHO_DRAIN_DELAY", "TLSECHO_SHUTDOWN_TIMEOUT", "15s"}},
		// The last second of the 15s is kept for exiting: the drain
		// would start with its deadline past.
		{"drain delay reaches the exit margin", []string{"TLSECHO_DRAIN_DELAY=14500ms"}, []string{"TLSECHO_DRAIN_DELAY", "TLSECHO_SHUTDOWN_TIMEOUT", "14.5s", "1s"}},
		{"drain delay reaches the exit margin of a short timeout", []string{"TLSECHO_DRAIN_DELAY=2.8s", "TLSECHO_SHUTDOWN_TIMEOUT=3s"}, []string{"TLSECHO_DRAIN_DELAY", "2.8s", "300ms"}},
		{"proxy protocol unknown", []string{"TLSECHO_PROXY_PROTOCOL=on"}, []string{"TLSECHO_PROXY_PROTOCOL", `"on"`, "require"}},
		{"proxy trusted not an address", []string{"TLSECHO_PROXY_PROTOCOL=require", "TLSECHO_PROXY_TRUSTED=10.0.0.0/8, lb.example"}, []string{"TLSECHO_PROXY_TRUSTED", `"lb.example"`}},
		{"proxy trusted bad range", []string{"TLSECHO_PROXY_TRUSTED=10.0.0.0/40"}, []string{"TLSECHO_PROXY_TRUSTED", `"10.0.0.0/40"`}},
		{"proxy trusted with a zone", []string{"TLSECHO_PROXY_TRUSTED=fe80::1%eth0"}, []string{"TLSECHO_PROXY_TRUSTED", `"fe80::1%eth0"`, "without the zone"}},
		{"proxy trusted in brackets", []string{"TLSECHO_PROXY_TRUSTED=[::1]"}, []string{"TLSECHO_PROXY_TRUSTED", `"[::1]"`, "without brackets"}},
		{"proxy trusted only a comma", []string{"TLSECHO_PROXY_TRUSTED=,"}, []string{"TLSECHO_PROXY_TRUSTED", `"," lists nothing`}},
		{"proxy trusted commas and spaces", []string{"TLSECHO_PROXY_TRUSTED= , "}, []string{"TLSECHO_PROXY_TRUSTED", "lists nothing"}},
		{"hosts only commas", []string{"TLSECHO_HOSTS=,,"}, []string{"TLSECHO_HOSTS", "lists nothing"}},
		// 8,000 names: a certificate of 117 KiB, which OpenSSL and curl
		// refused ("excessive message size") while the server served it.
		{"hosts too many for a certificate", []string{"TLSECHO_HOSTS=" + manyHosts(8000)}, []string{"TLSECHO_HOSTS", "8000 hosts", "KiB", "fewer"}},
		{"origins only a comma", []string{"TLSECHO_ALLOWED_ORIGINS=,"}, []string{"TLSECHO_ALLOWED_ORIGINS", "lists nothing"}},
		{"http addr unparseable", []string{"TLSECHO_HTTP_ADDR=8080"}, []string{"TLSECHO_HTTP_ADDR", "8080"}},
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range badConfigTests(t) {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code := run(ctx, nil, tt.env, nil, &stdout, &stderr)
			if code == exitOK {
				t.Fatalf("exit 0; want non-zero")
			}
			out := stderr.String()
			if n := strings.Count(out, "\n"); n != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", n, out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q does not name %q", out, w)
				}
			}
		})
	}
}

// TestBadConfigProcess checks the real process: non-zero exit at once,
// one line on stderr, nothing on stdout.
func TestBadConfigProcess(t *testing.T) {
	t.Parallel()
	for _, env := range [][]string{
		{"TLSECHO_IDLE_TIMEOUT=forever"},
		{"TLSECHO_CERT_FILE=/nonexistent/cert.pem"},
	} {
		cmd := command(t, env)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		// A process that started serving instead would run until killed.
		timer := time.AfterFunc(ioWait, func() { cmd.Process.Kill() })
		err := cmd.Run()
		timer.Stop()
		took := time.Since(start)
		var ee *exec.ExitError
		if !errorsAs(err, &ee) || ee.ExitCode() <= 0 {
			t.Errorf("%v: err = %v, want non-zero exit", env, err)
		}
		// "At once" is told from serving, which never ends; the bound
		// leaves room for starting a -race binary on a loaded machine.
		if took > ioWait/2 {
			t.Errorf("%v: took %v, want an exit at once", env, took)
		}
		if strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q; want one stderr line", env, stdout.String(), stderr.String())
		}
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	if ok {
		*target = ee
	}
	return ok
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		TLSAddr: ":8433", HTTPSAddr: ":8443", AdminAddr: ":9090",
		Hosts:            []string{"localhost", "127.0.0.1", "::1"},
		TLSMinVersion:    "1.2",
		HandshakeTimeout: 10 * time.Second,
		IdleTimeout:      5 * time.Minute,
		MaxConns:         10000,
		MaxMessageBytes:  1048576,
		PingInterval:     30 * time.Second,
		ShutdownTimeout:  15 * time.Second,
		ProxyProtocol:    "off",
		LogLevel:         "info",
		LogFormat:        "text",
		Faults:           true,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestAdminAddrEmptyTurnsOff(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig([]string{"TLSECHO_ADMIN_ADDR="})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AdminAddr != "" {
		t.Errorf("AdminAddr = %q, want empty", cfg.AdminAddr)
	}
	ta := startApp(t, map[string]string{"ADMIN_ADDR": ""})
	if ta.AdminAddr != "" || ta.admin != nil {
		t.Errorf("admin listener on %q; want none", ta.AdminAddr)
	}
}

// readmeVars are the variables the README's Configuration table lists:
// the documented promise that `tlsecho -h` and Config must keep.
func readmeVars(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("the README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var vars []string
	for line := range strings.Lines(section) {
		// A table row's first cell holds its variables: | `A`, `B` | ...
		if cell, ok := strings.CutPrefix(line, "| `TLSECHO_"); ok {
			cell, _, _ = strings.Cut("`TLSECHO_"+cell, " |")
			for name := range strings.SplitSeq(cell, ",") {
				vars = append(vars, strings.Trim(strings.TrimSpace(name), "`"))
			}
		}
	}
	if len(vars) == 0 {
		t.Fatal("no TLSECHO_ variables in the README's Configuration table")
	}
	return vars
}

func TestHelpListsEveryVariable(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, nil, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	help := stdout.String()
	documented := readmeVars(t)
	for _, v := range documented {
		if !strings.Contains(help, v) {
			t.Errorf("-h does not list %s", v)
		}
	}
	// Each listed variable carries its default and a meaning.
	for line := range strings.Lines(help) {
		if strings.Contains(line, "TLSECHO_IDLE_TIMEOUT ") && !strings.Contains(line, "5m") {
			t.Errorf("idle timeout line lacks its default: %q", line)
		}
	}
	// Config reads exactly the documented variables.
	var read []string
	for f := range reflect.TypeFor[Config]().Fields() {
		read = append(read, envPrefix+f.Tag.Get("env"))
	}
	slices.Sort(read)
	slices.Sort(documented)
	if !slices.Equal(read, documented) {
		t.Errorf("Config reads %v;\nthe README documents %v", read, documented)
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, nil, &stdout, &stderr); code != exitOK || !strings.HasPrefix(stdout.String(), "tlsecho ") {
		t.Errorf("version: exit %d, %q", code, stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"frobnicate"}, nil, nil, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "frobnicate") {
		t.Errorf("unknown command: exit %d, stderr %q", code, stderr.String())
	}
}

// TestListsTrimmed checks that both list variables read "a, b" as a and
// b, and that the server then allows the origin written after the space.
func TestListsTrimmed(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ALLOWED_ORIGINS": "https://a.example, https://b.example:8443 ,",
		"HOSTS":           " localhost , 127.0.0.1,,::1",
	}
	var environ []string
	for k, v := range env {
		environ = append(environ, envPrefix+k+"="+v)
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if want := []string{"https://a.example", "https://b.example:8443"}; !reflect.DeepEqual(cfg.AllowedOrigins, want) {
		t.Errorf("AllowedOrigins = %q, want %q", cfg.AllowedOrigins, want)
	}
	if want := []string{"localhost", "127.0.0.1", "::1"}; !reflect.DeepEqual(cfg.Hosts, want) {
		t.Errorf("Hosts = %q, want %q", cfg.Hosts, want)
	}

	ta := startApp(t, env)
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {"https://b.example:8443"}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial with the second listed origin: %v (HTTP %d)", err, status)
	}
	defer c.Close()
	certWSEcho(t, c, "listed after a space")
}

// TestSetButEmpty: a variable set to the empty string is refused where
// empty has no meaning of its own, rather than read as unset (which would
// bind TLSECHO_TLS_ADDR= to :8433 on every interface): exit 2, one line
// naming the variable. Where the contract gives empty a meaning, it is
// taken.
func TestSetButEmpty(t *testing.T) {
	wants := map[string][]string{
		"TLSECHO_TLS_ADDR":   {"raw TLS listener cannot be turned off", "host:port", ":8433"},
		"TLSECHO_HTTPS_ADDR": {"HTTPS listener cannot be turned off", "host:port", ":8443"},
		"TLSECHO_HOSTS":      {"without a name", "TLSECHO_CERT_FILE"},
	}
	for f := range reflect.TypeFor[Config]().Fields() {
		name := envPrefix + f.Tag.Get("env")
		if _, ok := f.Tag.Lookup("envDefault"); !ok || name == "TLSECHO_ADMIN_ADDR" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			env := []string{name + "="}
			// Refused by the configuration itself, before run could bind
			// anything: a server started here would listen on every
			// interface.
			if _, err := loadConfig(env); err == nil {
				t.Fatalf("%s= accepted", name)
			}
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), nil, env, nil, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "tlsecho: "+name+": ") {
				t.Errorf("stderr %q, want one line naming %s first", out, name)
			}
			for _, w := range append(wants[name], "empty") {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q lacks %q", out, w)
				}
			}
		})
	}

	dir := t.TempDir()
	certFile, keyFile := writePair(t, dir, "a")
	for _, tt := range []struct {
		name  string
		env   []string
		check func(Config) bool
	}{
		{"admin off", []string{"TLSECHO_ADMIN_ADDR="}, func(c Config) bool { return c.AdminAddr == "" }},
		{"http off", []string{"TLSECHO_HTTP_ADDR="}, func(c Config) bool { return c.HTTPAddr == "" }},
		{"hosts moot with certificate files", []string{"TLSECHO_HOSTS=", "TLSECHO_CERT_FILE=" + certFile, "TLSECHO_KEY_FILE=" + keyFile},
			func(c Config) bool { return c.CertFile == certFile }},
		{"same-host origins", []string{"TLSECHO_ALLOWED_ORIGINS="}, func(c Config) bool { return c.AllowedOrigins == nil }},
		{"any PROXY peer", []string{"TLSECHO_PROXY_TRUSTED="}, func(c Config) bool { return c.ProxyTrusted == nil }},
		{"no fault", []string{"TLSECHO_FAULT="}, func(c Config) bool { return c.Fault == "" }},
	} {
		cfg, err := loadConfig(tt.env)
		if err != nil || !tt.check(cfg) {
			t.Errorf("%s: %v gives %+v, %v", tt.name, tt.env, cfg, err)
		}
	}
}

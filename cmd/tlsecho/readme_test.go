package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// TestREADMECommands keeps the promise of the README's opening: its second
// command is exactly what CI runs.
func TestREADMECommands(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, "    ") {
			blocks = append(blocks, strings.TrimSpace(line))
		}
		if len(blocks) == 2 {
			break
		}
	}
	if len(blocks) < 2 || blocks[0] != "go run ./cmd/tlsecho" {
		t.Fatalf("the README does not open with the run command: %q", blocks)
	}
	if !strings.Contains(blocks[1], "go test -race ./...") {
		t.Errorf("the README's second command does not run go test -race ./...: %q", blocks[1])
	}
	if !strings.Contains(string(ci), "\n"+blocks[1]+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", blocks[1])
	}
}

// TestREADMEProxyExample runs the README's example of testing a backend
// that requires PROXY headers: its server variables, and its client
// command against localhost. Many systems resolve localhost to ::1 before
// 127.0.0.1, so the example must work from either.
func TestREADMEProxyExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var server, client []string
	for line := range strings.Lines(string(readme)) {
		f := strings.Fields(line)
		switch {
		case len(f) > 1 && strings.HasPrefix(f[0], "TLSECHO_PROXY_PROTOCOL=") && slices.Contains(f, "tlsecho"):
			server = f
		case len(f) > 2 && f[0] == "tlsecho" && f[1] == "client" && slices.Contains(f, "-proxy-v2"):
			client = f[2:]
		}
	}
	if server == nil || client == nil {
		t.Fatalf("no PROXY example in the README: server %q, client %q", server, client)
	}
	vars := map[string]string{"TLS_ADDR": ":0"} // every address, as the default :8433
	for _, w := range server {
		if k, v, ok := strings.Cut(w, "="); ok {
			vars[strings.TrimPrefix(k, envPrefix)] = v
		}
	}
	ta := startApp(t, vars)
	port := listenPortOf(ta.TLSAddr)
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		t.Run(host, func(t *testing.T) {
			if host == "[::1]" {
				if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
					t.Skip("no IPv6 loopback here")
				} else {
					l.Close()
				}
			}
			args := slices.Clone(client)
			for i, a := range args {
				args[i] = strings.Replace(a, "tls://localhost:8433", "tls://"+net.JoinHostPort(strings.Trim(host, "[]"), port), 1)
			}
			runClient(t, "", args...).want(t, exitOK, []string{"hello"}, nil)
		})
	}
}

// TestREADMESynopses: the usage lines the README gives for `tlsecho
// client` and `tlsecho cert` name every flag the command's -h lists, so a
// reader of the README learns of each one.
func TestREADMESynopses(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flagName := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	for _, cmd := range []string{"client", "cert"} {
		var synopsis string
		for line := range strings.Lines(string(readme)) {
			if s, ok := strings.CutPrefix(line, "    tlsecho "+cmd+" "); ok && strings.Contains(s, "[-") {
				synopsis = " " + strings.TrimSpace(s) + " "
				break
			}
		}
		if synopsis == "" {
			t.Errorf("the README has no synopsis of tlsecho %s", cmd)
			continue
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{cmd, "-h"}, nil, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("tlsecho %s -h: exit %d", cmd, code)
		}
		for _, m := range flagName.FindAllStringSubmatch(stdout.String(), -1) {
			if !regexp.MustCompile(`[ \[]-` + regexp.QuoteMeta(m[1]) + `[ \]]`).MatchString(synopsis) {
				t.Errorf("the README's synopsis of tlsecho %s lacks -%s:%s", cmd, m[1], synopsis)
			}
		}
	}
}

// TestREADMEDefaults: the default the README's Configuration table gives
// each variable is the one the server applies (and `tlsecho -h` shows).
func TestREADMEDefaults(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	defaults := map[string]string{}
	for f := range reflect.TypeFor[Config]().Fields() {
		defaults[envPrefix+f.Tag.Get("env")] = f.Tag.Get("envDefault")
	}
	rows := 0
	for line := range strings.Lines(section) {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| `TLSECHO_") || len(cells) < 3 {
			continue
		}
		rows++
		want := cells[1]
		switch {
		case strings.HasPrefix(want, "empty"):
			want = ""
		case strings.HasPrefix(want, "`") && strings.Count(want, "`") == 2:
			want = strings.Trim(want, "`")
		default:
			t.Errorf("README default %q: want `value` or empty", cells[1])
			continue
		}
		for name := range strings.SplitSeq(strings.TrimPrefix(cells[0], "| "), ",") {
			name = strings.Trim(strings.TrimSpace(name), "`")
			if got, ok := defaults[name]; !ok {
				t.Errorf("the README's table lists %s, which the server does not read", name)
			} else if got != want {
				t.Errorf("%s: the README gives the default %q; the server applies %q", name, want, got)
			}
		}
	}
	if rows == 0 {
		t.Fatal("no rows in the README's Configuration table")
	}
}

// TestREADMEReloadDelay: the README says how soon a changed pair is
// served, which is the watcher's debounce.
func TestREADMEReloadDelay(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("once they have been left alone for %d ms", certs.WatchDebounce.Milliseconds())
	if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), want) {
		t.Errorf("the README does not say the watcher reloads %q", want)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// transcript is one "$ command" of the README and the lines shown after it.
type transcript struct {
	line int // in README.md, for the error messages
	cmd  string
	out  []string
}

// readmeTranscripts collects the README's shell transcripts: in fenced
// blocks and in indented ones, each "$ " line and the lines up to the next
// one or the end of its block.
func readmeTranscripts(t *testing.T) []transcript {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var (
		ts            []transcript
		fenced, inCmd bool
	)
	for i, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced, inCmd = !fenced, false
			continue
		}
		text, indented := strings.CutPrefix(line, "    ")
		if !fenced && !indented {
			inCmd = false
			continue
		}
		if !fenced {
			line = text
		}
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			ts = append(ts, transcript{line: i + 1, cmd: cmd})
			inCmd = true
		} else if inCmd {
			ts[len(ts)-1].out = append(ts[len(ts)-1].out, line)
		}
	}
	for i := range ts {
		for len(ts[i].out) > 0 && ts[i].out[len(ts[i].out)-1] == "" {
			ts[i].out = ts[i].out[:len(ts[i].out)-1]
		}
	}
	return ts
}

// serverLine is "$ [TLSECHO_X=v ...] tlsecho [&]".
var serverLine = regexp.MustCompile(`^((?:TLSECHO_[A-Z_]+=\S*\s+)*)tlsecho(\s+&)?$`)

// TestREADMETranscripts replays the README's transcripts in order, as a
// reader would: the server started with the variables shown (in the
// background, or refusing to start with the line shown), the curl requests
// to /ws and /faults, whose answers are compared byte for byte (a Date
// header by name only), and the `tlsecho client -insecure` commands
// without pipes, times aside. Other commands (openssl, pipes) are left to
// their own tests, and the fault armed for them is disarmed.
func TestREADMETranscripts(t *testing.T) {
	t.Parallel()
	var ta *testApp
	ran := 0
	for _, tr := range readmeTranscripts(t) {
		if m := serverLine.FindStringSubmatch(tr.cmd); m != nil {
			vars := map[string]string{}
			for _, w := range strings.Fields(m[1]) {
				k, v, _ := strings.Cut(w, "=")
				vars[strings.TrimPrefix(k, envPrefix)] = v
			}
			if m[2] != "" {
				if ta != nil {
					ta.Stop(t)
				}
				ta = startApp(t, vars)
			} else {
				checkServerStart(t, tr, vars)
			}
			ran++
			continue
		}
		if ta == nil {
			ta = startApp(t, nil)
		}
		switch {
		case strings.HasPrefix(tr.cmd, "curl ") && replayCurl(t, ta, tr, shellWords(t, tr.cmd)[1:]):
			ran++
		case strings.HasPrefix(tr.cmd, "tlsecho client -insecure ") && !strings.ContainsAny(tr.cmd, "|<>()"):
			replayClient(t, ta, tr, shellWords(t, tr.cmd)[2:])
			ran++
		case ta.AdminAddr != "":
			// A command not replayed (openssl, a pipe) would have taken
			// the fault armed for it: disarm it, so that it does not meet
			// the next one.
			disarmFaults(t, ta)
		}
	}
	if ran < 5 {
		t.Errorf("replayed %d README transcripts; the Faults and Configuration sections hold more", ran)
	}
}

// checkServerStart runs `tlsecho` with vars and compares what it writes
// to stderr: all of it when the README shows it refusing to start, and
// the lines shown, in order, when it starts ("..." stands for any text).
func checkServerStart(t *testing.T, tr transcript, vars map[string]string) {
	t.Helper()
	environ := []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0"}
	for k, v := range vars {
		environ = append(environ, envPrefix+k+"="+v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a server that starts stops at once
	var stdout, stderr bytes.Buffer
	code := run(ctx, nil, environ, nil, &stdout, &stderr)
	got := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(tr.out) > 0 && strings.HasPrefix(tr.out[0], "tlsecho: ") {
		if code != exitUsage || !slices.Equal(got, tr.out) {
			t.Errorf("README.md:%d: $ %s\nexit %d, stderr:\n%s\nthe README shows exit 2 and:\n%s", tr.line, tr.cmd, code, stderr.String(), strings.Join(tr.out, "\n"))
		}
		return
	}
	rest := got
	for _, want := range tr.out {
		i := slices.IndexFunc(rest, func(l string) bool { return wildcardMatch(want, l) })
		if i < 0 {
			t.Errorf("README.md:%d: $ %s\nstderr lacks the README's line %q:\n%s", tr.line, tr.cmd, want, stderr.String())
			return
		}
		rest = rest[i+1:]
	}
	if code != exitOK {
		t.Errorf("README.md:%d: $ %s: exit %d, want 0; stderr:\n%s", tr.line, tr.cmd, code, stderr.String())
	}
}

// wildcardMatch reports whether line is pattern with each "..." standing
// for any text.
func wildcardMatch(pattern, line string) bool {
	parts := strings.Split(pattern, "...")
	if !strings.HasPrefix(line, parts[0]) {
		return false
	}
	line = line[len(parts[0]):]
	for _, p := range parts[1:] {
		i := strings.Index(line, p)
		if i < 0 {
			return false
		}
		line = line[i+len(p):]
	}
	return strings.HasSuffix(pattern, "...") || line == ""
}

// replayCurl sends the request of a README curl command to ta and compares
// the answer with the README's; it reports false for a command it leaves
// alone.
func replayCurl(t *testing.T, ta *testApp, tr transcript, args []string) bool {
	t.Helper()
	method, include := "GET", false
	var form []string
	var target string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-s", "-k", "-sk":
		case "-i":
			include = true
		case "-X":
			i++
			method = args[i]
		case "-d":
			i++
			form = append(form, args[i])
			if method == "GET" {
				method = "POST"
			}
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("README.md:%d: curl option %s is not replayed here; teach replayCurl or change the example", tr.line, a)
			}
			target = a
		}
	}
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("README.md:%d: %v", tr.line, err)
	}
	switch {
	case u.Host == "localhost:8443" && u.Path == "/ws":
		u.Host = ta.HTTPSAddr
	case u.Host == "localhost:9090" && u.Path == "/faults":
		u.Host = ta.AdminAddr
	default:
		return false
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(strings.Join(form, "&"))
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{
		Timeout:   ioWait,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // curl -k
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("README.md:%d: $ %s: %v", tr.line, tr.cmd, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSuffix(string(b), "\n")
	want := strings.Join(tr.out, "\n")
	if include {
		head, rest, _ := strings.Cut(want, "\n\n")
		wantLines := strings.Split(head, "\n")
		gotLines := []string{resp.Proto + " " + resp.Status}
		for k, vs := range resp.Header {
			for _, v := range vs {
				gotLines = append(gotLines, k+": "+v)
			}
		}
		if resp.Close {
			gotLines = append(gotLines, "Connection: close")
		}
		for _, ls := range [][]string{wantLines, gotLines} {
			for i, l := range ls {
				if strings.HasPrefix(l, "Date: ") {
					ls[i] = "Date: ..."
				}
			}
			slices.Sort(ls[1:])
		}
		if !slices.Equal(gotLines, wantLines) {
			t.Errorf("README.md:%d: $ %s\nstatus and headers:\n%s\nthe README shows (in any order):\n%s", tr.line, tr.cmd, strings.Join(gotLines, "\n"), strings.Join(wantLines, "\n"))
		}
		want = rest
	}
	if got != want {
		t.Errorf("README.md:%d: $ %s\nanswered:\n%s\nthe README shows:\n%s", tr.line, tr.cmd, got, want)
	}
	return true
}

// disarmFaults disarms every fault armed on ta's admin port.
func disarmFaults(t *testing.T, ta *testApp) {
	t.Helper()
	req, err := http.NewRequest("DELETE", "http://"+ta.AdminAddr+"/faults", nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// durations are the times in the client's report, which differ from run
// to run.
var durations = regexp.MustCompile(`\d+(\.\d+)?(µs|ms|s)\b`)

// replayClient runs a README `tlsecho client -insecure` command against
// ta and compares what it printed after the certificate report, which the
// README leaves out: each line shown, times aside, in order, and the
// error line the README shows, with the exit status that goes with it.
func replayClient(t *testing.T, ta *testApp, tr transcript, args []string) {
	t.Helper()
	// The README's server listens on localhost; this one on 127.0.0.1.
	ports := strings.NewReplacer("localhost:8433", ta.TLSAddr, "localhost:8443", ta.HTTPSAddr)
	for i, a := range args {
		args[i] = ports.Replace(a)
	}
	r := runClient(t, "", args...)
	var wantErr string
	rest := strings.Split(durations.ReplaceAllString(r.stdout, "D"), "\n")
	for _, want := range tr.out {
		want = ports.Replace(want)
		if strings.HasPrefix(want, "tlsecho client: ") {
			wantErr = want
			continue
		}
		want = durations.ReplaceAllString(want, "D")
		i := slices.Index(rest, want)
		if i < 0 {
			t.Errorf("README.md:%d: $ %s\nstdout lacks the README's line %q (times aside):\n%s", tr.line, tr.cmd, want, r.stdout)
			return
		}
		rest = rest[i+1:]
	}
	wantCode := exitOK
	if wantErr != "" {
		wantCode = exitFailure
		got := strings.Split(r.stderr, "\n")
		if strings.Contains(wantErr, " a TCP reset ") {
			// A reset drops what was still on its way to the client, so
			// how many bytes came back before it varies from run to run.
			wantErr, _, _ = strings.Cut(wantErr, " (")
			for i, l := range got {
				got[i], _, _ = strings.Cut(l, " (")
			}
		}
		if !slices.Contains(got, wantErr) {
			t.Errorf("README.md:%d: $ %s\nstderr lacks the README's line %q:\n%s", tr.line, tr.cmd, wantErr, r.stderr)
		}
	}
	if r.code != wantCode {
		t.Errorf("README.md:%d: $ %s: exit %d, want %d", tr.line, tr.cmd, r.code, wantCode)
	}
}

package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"debug/elf"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// nonroot is the uid and gid of distroless's nonroot user, which the
// image runs as.
const nonroot = 65532

// dockerBuild is the Dockerfile's build command as words, with the
// VERSION build argument given and the output put in dir.
func dockerBuild(t *testing.T, dir string) (env, args []string) {
	t.Helper()
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RUN ((?:\w+=\S+ )*)go (build .*)$`).FindSubmatch(df)
	if m == nil {
		t.Fatal("no `RUN [VAR=value ...] go build ...` line in the Dockerfile")
	}
	env = strings.Fields(string(m[1]))
	words := shellWords(t, strings.ReplaceAll(string(m[2]), "${VERSION}", "static-test"))
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = filepath.Join(dir, "tlsecho")
		}
	}
	return env, words
}

// shellWords splits a command line on spaces outside double quotes; it is
// all the Dockerfile's build line needs.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		case r == '$' || r == '\\' || r == '\'' || r == '`':
			t.Fatalf("the Dockerfile's build line has shell syntax this test does not follow: %s", s)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestStaticBinary builds the binary as the Dockerfile does, copies it
// alone into an empty directory and runs it there, chrooted, as the
// image's uid 65532, with nothing but TLSECHO_* variables: it serves both
// echoes and answers `tlsecho health`, so the distroless image (no shell,
// no libc, no /etc, no /tmp) needs nothing else either.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building with the Dockerfile's flags recompiles the standard library once")
	}
	if os.Getuid() != 0 {
		t.Skip("chroot and running as uid 65532 need root; run the tests as root to check the static binary")
	}
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	env, args := dockerBuild(t, root)
	build := exec.Command("go", args...)
	build.Dir = "../.."
	build.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	// The build recompiles the standard library without -race: the
	// longest step of the package's tests, nearly all of it CPU. It starts
	// before t.Parallel, so it runs beside the sequential tests (this file
	// sorts before the faults files that hold most of them) and then
	// beside the parallel ones, which mostly wait.
	if err := build.Start(); err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	t.Parallel()
	if err := build.Wait(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out.Bytes())
	}
	bin := filepath.Join(root, "tlsecho")
	checkStatic(t, bin)
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Fatalf("the directory holds %d entries, want the binary alone", len(entries))
	}

	jail := func(cmd *exec.Cmd, environ ...string) {
		cmd.Path, cmd.Dir = "/tlsecho", "/"
		cmd.Env = environ
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Chroot:     root,
			Credential: &syscall.Credential{Uid: nonroot, Gid: nonroot},
		}
	}
	environ := []string{
		"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0",
		"TLSECHO_ADMIN_ADDR=127.0.0.1:0", "TLSECHO_LOG_FORMAT=json",
	}
	p := startProcWith(t, func(cmd *exec.Cmd) { cmd.Args = []string{"/tlsecho"}; jail(cmd, environ...) })

	status, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Uid:\s+65532\s`).Match(status) {
		t.Errorf("the server does not run as uid 65532:\n%s", status)
	}
	if r, err := os.Readlink("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/root"); err != nil || r != root {
		t.Errorf("the server's root is %q (%v), want %s", r, err, root)
	}

	c, err := tls.Dial("tcp", p.TLSAddr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "static\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "static\n" {
		t.Errorf("raw TLS echo: %q, %v", line, err)
	}
	ws := dialWS(t, p.HTTPSAddr)
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := ws.WriteMessage(websocket.TextMessage, []byte("static")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "static" {
		t.Errorf("wss echo: %q, %v", msg, err)
	}
	if resp, err := http.Get("http://" + p.AdminAddr + "/metrics"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// The image's HEALTHCHECK, in the same jail.
	health := exec.Command("/tlsecho", "health")
	jail(health, "TLSECHO_ADMIN_ADDR="+p.AdminAddr)
	if out, err := health.CombinedOutput(); err != nil {
		t.Errorf("tlsecho health in the jail: %v\n%s", err, out)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, 10*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", err)
	}
}

// checkStatic fails unless bin is an ELF executable needing no dynamic
// loader and no shared library.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s asks for a dynamic loader: not static", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v: not static", bin, libs)
	}
}

// TestDockerImage builds the image and runs it where a Docker daemon
// answers; without one it says so and skips. TestStaticBinary checks the
// same binary without Docker.
func TestDockerImage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: building the image takes a minute")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker command; TestStaticBinary checks the binary the image holds")
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker daemon answers (%s); TestStaticBinary checks the binary the image holds", strings.TrimSpace(string(out)))
	}
	tag := "tlsecho-test:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	docker := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	docker("build", "-t", tag, "../..")
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	id := docker("run", "-d", "-p", "127.0.0.1::8433", "-p", "127.0.0.1::8443", "-p", "127.0.0.1::9090", tag)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	port := func(p string) string { return strings.Split(docker("port", id, p+"/tcp"), "\n")[0] }
	tlsAddr, httpsAddr, adminAddr := port("8433"), port("8443"), port("9090")

	deadline := time.Now().Add(30 * time.Second)
	for readyz(adminAddr) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("the container was not ready within 30s:\n%s", docker("logs", id))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if user := docker("inspect", "--format", "{{.Config.User}}", tag); user != "nonroot:nonroot" {
		t.Errorf("the image runs as %q, want nonroot:nonroot (65532)", user)
	}
	c, err := tls.Dial("tcp", tlsAddr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "image\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "image\n" {
		t.Errorf("raw TLS echo: %q, %v", line, err)
	}
	ws := dialWS(t, httpsAddr)
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	ws.WriteMessage(websocket.TextMessage, []byte("image"))
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "image" {
		t.Errorf("wss echo: %q, %v", msg, err)
	}
	docker("stop", "-t", "20", id)
	if code := docker("inspect", "--format", "{{.State.ExitCode}}", id); code != "0" {
		t.Errorf("exit code %s after docker stop, want 0", code)
	}
}

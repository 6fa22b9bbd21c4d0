package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// bench is what the subcommands that start their own servers share: the
// server binaries, one certificate, a scratch directory and the CPUs.
type bench struct {
	dir               string
	release           func() // removes dir
	tlsecho, baseline string // server binaries
	certFile, keyFile string
	// serverCPUs and loadCPUs split the CPUs between the server and this
	// process, when pinned; nil otherwise.
	serverCPUs, loadCPUs []int
}

// newBench makes the scratch directory and the certificate (ECDSA P-256,
// the default server's kind, for 127.0.0.1) and builds the servers that
// were not given as binaries, from the module in the current directory.
func newBench(ctx context.Context, tlsechoBin, baselineBin string, needBaseline bool) (*bench, error) {
	dir, release, err := makeScratch()
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, release: release, tlsecho: tlsechoBin, baseline: baselineBin}
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1", "localhost"}})
	if err == nil {
		b.certFile, b.keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		err = errors.Join(os.WriteFile(b.certFile, g.CertPEM, 0o600), os.WriteFile(b.keyFile, g.KeyPEM, 0o600))
	}
	if err == nil && b.tlsecho == "" {
		b.tlsecho, err = build(ctx, dir, "./cmd/tlsecho")
	}
	if err == nil && needBaseline && b.baseline == "" {
		b.baseline, err = build(ctx, dir, "./cmd/tlsecho-load/baseline")
	}
	if err != nil {
		b.cleanup()
		return nil, err
	}
	return b, nil
}

func (b *bench) cleanup() { b.release() }

// build compiles a command of the tlsecho module in the current directory.
func build(ctx context.Context, dir, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m").Output()
	if err != nil || strings.TrimSpace(string(out)) != "github.com/tlsecho/tlsecho" {
		return "", fmt.Errorf("building %s: run this from the tlsecho repository, or name the binaries with -tlsecho and -baseline", pkg)
	}
	bin := filepath.Join(dir, filepath.Base(pkg))
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, stderr.String())
	}
	return bin, nil
}

// pin splits the CPUs this process may use: the first for the server,
// the rest for the load, so the server's CPU time is its own and the
// load generator never takes the server's core; with same, the load
// shares the server's CPU (compare's -same-cpu). With one CPU there is
// nothing to split.
func (b *bench) pin(same bool) string {
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		return "not pinned: one CPU"
	}
	load := cpus[1:]
	if same {
		load = cpus[:1]
	}
	if err := pinSelf(load); err != nil {
		return "not pinned: " + err.Error()
	}
	b.serverCPUs, b.loadCPUs = cpus[:1], load
	if same {
		return fmt.Sprintf("server and load on CPU %s", cpuList(b.serverCPUs))
	}
	return fmt.Sprintf("server on CPU %s, load on CPU %s", cpuList(b.serverCPUs), cpuList(b.loadCPUs))
}

func cpuList(cpus []int) string {
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

// server is one running server process.
type server struct {
	name                       string
	cmd                        *exec.Cmd
	tlsURL, wssURL, metricsURL string
	logFile                    string
	done                       chan struct{} // closed when it exited
	err                        error         // its exit, after done
}

// startTlsecho runs tlsecho with only the variables given here (none of
// the caller's TLSECHO_*), its admin port on, and maxConns per listener.
func (b *bench) startTlsecho(ctx context.Context, maxConns int) (*server, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	env := []string{
		"TLSECHO_TLS_ADDR=" + ports[0],
		"TLSECHO_HTTPS_ADDR=" + ports[1],
		"TLSECHO_ADMIN_ADDR=" + ports[2],
		"TLSECHO_CERT_FILE=" + b.certFile,
		"TLSECHO_KEY_FILE=" + b.keyFile,
		"TLSECHO_MAX_CONNS=" + strconv.Itoa(maxConns),
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TLSECHO_") {
			env = append(env, kv)
		}
	}
	s := &server{name: "tlsecho", metricsURL: "http://" + ports[2] + "/metrics"}
	return s, b.start(ctx, s, exec.Command(b.tlsecho, "serve"), env, ports)
}

// startBaseline runs the plain echo server.
func (b *bench) startBaseline(ctx context.Context) (*server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	s := &server{name: "plain"}
	cmd := exec.Command(b.baseline, "-tls", ports[0], "-https", ports[1], "-cert", b.certFile, "-key", b.keyFile)
	return s, b.start(ctx, s, cmd, os.Environ(), ports)
}

func (b *bench) start(ctx context.Context, s *server, cmd *exec.Cmd, env, ports []string) error {
	s.tlsURL, s.wssURL = "tls://"+ports[0], "wss://"+ports[1]+"/ws"
	s.logFile = filepath.Join(b.dir, s.name+".log")
	log, err := os.Create(s.logFile)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Env, cmd.Stdout, cmd.Stderr = env, log, log
	s.cmd, s.done = cmd, make(chan struct{})
	if err := startPinned(cmd, b.serverCPUs); err != nil {
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	// Ready when every port accepts: listening happens before serving,
	// so a connection made now waits in the backlog if need be.
	deadline := time.Now().Add(20 * time.Second)
	for _, addr := range ports {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.done:
				return fmt.Errorf("%s exited at start (%v):\n%s", s.name, s.err, s.logTail())
			case <-ctx.Done():
				s.stop()
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				s.stop()
				return fmt.Errorf("%s does not accept on %s after 20s:\n%s", s.name, addr, s.logTail())
			}
		}
	}
	return nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits for the exit (tlsecho drains for up to its
// shutdown timeout, 15 s), and kills it if it is still running after 30 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// logTail is the end of the server's output, for error messages.
func (s *server) logTail() string {
	f, err := os.Open(s.logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 4096 {
		f.Seek(-4096, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// freePorts finds n loopback addresses free now. Another process could
// take one before the server binds it; the server then fails to start,
// which says so.
func freePorts(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// dockerHealthcheck is the Dockerfile's HEALTHCHECK: its --timeout, and
// its command as the exec-form words.
func dockerHealthcheck(t *testing.T) (timeout time.Duration, cmd []string) {
	t.Helper()
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HEALTHCHECK (.*) CMD \[(.*)\]$`).FindSubmatch(df)
	if m == nil {
		t.Fatal("no exec-form `HEALTHCHECK ... CMD [...]` line in the Dockerfile")
	}
	for _, opt := range strings.Fields(string(m[1])) {
		if v, ok := strings.CutPrefix(opt, "--timeout="); ok {
			if timeout, err = time.ParseDuration(v); err != nil {
				t.Fatalf("HEALTHCHECK --timeout: %v", err)
			}
		}
	}
	if timeout == 0 {
		timeout = 30 * time.Second // Docker's default
	}
	for _, w := range strings.Split(string(m[2]), ",") {
		cmd = append(cmd, strings.Trim(strings.TrimSpace(w), `"`))
	}
	return timeout, cmd
}

// TestDockerHealthcheckTimeout: the image's HEALTHCHECK lets `tlsecho
// health` run its course. With the admin and HTTP listeners off, health
// asks the HTTPS port and waits out TLSECHO_FAULT's hsdelay, as the server
// warns at start; a Docker timeout shorter than that would kill the check
// of a server that answers, and call the container unhealthy. Health
// bounds itself (3 s past the delay), so Docker's timeout is only a
// backstop, and must not come first even for the longest hsdelay.
func TestDockerHealthcheckTimeout(t *testing.T) {
	t.Parallel()
	timeout, hc := dockerHealthcheck(t)
	if len(hc) != 2 || hc[1] != "health" {
		t.Fatalf("HEALTHCHECK runs %q, want tlsecho health", hc)
	}
	longest, err := loadConfig([]string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_HANDSHAKE_TIMEOUT=2m", "TLSECHO_FAULT=hsdelay:" + fault.MaxDuration.String()})
	if err != nil {
		t.Fatal(err)
	}
	if _, c := healthTarget(longest); timeout <= c.Timeout {
		t.Errorf("HEALTHCHECK --timeout=%v; tlsecho health may wait up to %v (hsdelay:%v) before it answers itself", timeout, c.Timeout, fault.MaxDuration)
	}

	// As Docker runs it: a server whose handshakes the fault holds longer
	// than health's own 3 s, health killed at the HEALTHCHECK's timeout.
	const hsdelay = "5s"
	p := startProc(t, "TLSECHO_ADMIN_ADDR=", "TLSECHO_FAULT=hsdelay:"+hsdelay)
	for range p.waitLog(t, "tlsecho health waits out the handshake delay", ioWait) {
	}
	cmd := command(t, []string{"TLSECHO_ADMIN_ADDR=", "TLSECHO_FAULT=hsdelay:" + hsdelay, "TLSECHO_HTTPS_ADDR=" + p.HTTPSAddr}, "health")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := make(chan struct{})
	docker := time.AfterFunc(timeout, func() { close(killed); cmd.Process.Kill() })
	err = cmd.Wait()
	docker.Stop()
	select {
	case <-killed:
		t.Fatalf("HEALTHCHECK --timeout=%v kills tlsecho health before it answers (hsdelay:%s): %s", timeout, hsdelay, out.String())
	default:
	}
	if err != nil {
		t.Fatalf("tlsecho health: %v\n%s", err, out.String())
	}
}

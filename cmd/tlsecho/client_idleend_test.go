package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestClientStdinServerEndsWithEverythingBack: an interactive wss session
// whose every line has come back, ended by the server while standard
// input is still open (its idle timeout here; a shutdown's close 1001 is
// the same), fails with the server's close code and reason, and without
// saying that an echo is missing: none is.
func TestClientStdinServerEndsWithEverythingBack(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"IDLE_TIMEOUT": "1s"})
	stdin, feed := io.Pipe()
	defer feed.Close()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- clientCmd(context.Background(), []string{"-insecure", "-timeout", "5s", "wss://" + ta.HTTPSAddr + "/ws"}, stdin, &out, &errb)
	}()
	// Taken once the client reads standard input; the pipe stays open.
	io.WriteString(feed, "hello\n")
	var code int
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the client did not end within 20s of the server's idle timeout")
	}
	if !strings.Contains(out.String(), "\nhello\n") {
		t.Fatalf("the line did not come back before the server ended the session\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	want := `closed the WebSocket with 1000 (normal closure) "idle timeout" before the end of input, with every echo back`
	if code != exitFailure || !strings.Contains(errb.String(), want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errb.String(), exitFailure, want)
	}
	if strings.Contains(errb.String(), "instead of sending") {
		t.Errorf("stderr says an echo is missing, where every line came back:\n%s", errb.String())
	}
}

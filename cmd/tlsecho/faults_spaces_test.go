package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFaultsSpacedArguments: a spec written with spaces after its colons
// and around @ acts as it does without them, for the verbs with a number
// or a name for an argument as for those with a duration, from a /ws URL
// and armed on the admin port alike.
func TestFaultsSpacedArguments(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)

	_, resp, err := dialWSSResp(t, ta, faultQuery("status: 503"))
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("?fault=status: 503: %v %v, want the upgrade refused with 503", err, resp)
	}
	resp.Body.Close()

	c := dialWSS(t, ta, faultQuery("delay: 1ms, close: 4001 : bye @ 1"))
	c.echo(t, "one")
	var ce *websocket.CloseError
	if err := c.end(5 * time.Second); !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "bye" {
		t.Fatalf("?fault=close: 4001 : bye @ 1 after one echo: %v, want close 4001 \"bye\"", err)
	}

	code, body := ta.adminDo(t, "POST", "/faults?listener=tls&spec="+url.QueryEscape("alert: handshake_failure"))
	if code != http.StatusCreated || !strings.Contains(body, `"spec":"alert:handshake_failure"`) {
		t.Fatalf("POST /faults spec=alert: handshake_failure = %d %s, want 201", code, body)
	}
	if _, err := ta.dialRaw(t); err == nil || !strings.Contains(err.Error(), "handshake failure") {
		t.Fatalf("handshake after alert: handshake_failure was armed: %v, want the alert", err)
	}
}

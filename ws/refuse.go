package ws

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// Refused origins are logged at warn, since a browser shows only close
// 1006 and the server's log is the one place that says why; at most
// refusalBurst records per refusalWindow, so a flood cannot fill a disk.
const (
	refusalBurst  = 5
	refusalWindow = time.Second
)

// refuse answers an upgrade that gorilla or checkHandshake turned down.
// ServeHTTP has set Sec-WebSocket-Version: 13, as gorilla's own error
// writer does on every refusal.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, reason error) {
	if hj, ok := w.(*hijacker); ok && hj.early != nil {
		s.refuseEarly(hj, r)
		return
	}
	if status == http.StatusForbidden && !s.checkOrigin(r) {
		s.refuseOrigin(w, r)
		return
	}
	s.logger().Debug("upgrade refused", append(peerAttrs(r.RemoteAddr, listener.FromContext(r.Context())), "status", status, "err", reason)...)
	http.Error(w, reason.Error(), status)
}

// refuseOrigin says which origin was refused, what it was compared with
// and what would allow it: in one line of the 403 body and in a warn
// record.
func (s *Server) refuseOrigin(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	setting := s.OriginsSetting
	if setting == "" {
		setting = "AllowedOrigins"
	}
	log := s.logger()
	if s.refusals.allow(func(held int) {
		log.Warn("websocket origins refused but not logged", "count", held, "window", s.refusals.window())
	}) {
		log.Warn("websocket origin refused", append(peerAttrs(r.RemoteAddr, listener.FromContext(r.Context())), "origin", origin, "host", r.Host,
			"hint", "to allow it, add "+origin+" to "+setting)...)
	}
	// %q: the origin and host come from the client; quoted, they cannot
	// bend the line.
	http.Error(w, fmt.Sprintf("ws: origin %q refused: it is not this server's host %q and not listed in %s", origin, r.Host, setting),
		http.StatusForbidden)
}

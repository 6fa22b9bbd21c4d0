package rawtls

// Draining reports whether s has begun to drain (Shutdown has set the
// flag every read looks at), for tests that must act only once it has.
func Draining(s *Server) bool { return s.draining.Load() }

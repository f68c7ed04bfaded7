package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

var (
	// ErrRateLimited: the host kept answering 429 for longer than the
	// transport's MaxCooldown; requests fail fast until the cooldown ends.
	ErrRateLimited = errors.New("rate limited")
	// ErrGone: the endpoint answered 410 Gone; it is discontinued.
	ErrGone = errors.New("endpoint discontinued (HTTP 410 Gone)")
	// ErrTransient marks failures worth retrying later: 5xx, timeouts,
	// resets and truncated bodies that survived every attempt.
	ErrTransient = errors.New("transient failure")
	// ErrBodyTooLarge: the response body, decompressed, was over the
	// transport's MaxBody. Permanent: the same request gets the same body.
	ErrBodyTooLarge = errors.New("response body too large")
)

// StatusError is a response whose status was not 2xx. Body holds the start
// of the response body (bounded) so sources can read the site's message.
type StatusError struct {
	Method     string
	URL        string // without query string credentials; marketd's URLs carry none
	Code       int
	RetryAfter time.Duration // from a Retry-After header, when sent
	Body       []byte
}

func (e *StatusError) Error() string {
	// Fold whitespace so an HTML error page stays on one log line.
	msg := strings.Join(strings.Fields(string(e.Body)), " ")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	s := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// Is lets errors.Is match the sentinel a status stands for.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.Code == http.StatusTooManyRequests
	case ErrGone:
		return e.Code == http.StatusGone
	case ErrTransient:
		return e.Code >= 500
	}
	return false
}

// IsTransient reports whether err is worth retrying in a later run: a 5xx,
// a timeout, a reset or a truncated body, as opposed to a permanent answer
// (404, 410, a body that parsed but made no sense).
func IsTransient(err error) bool { return errors.Is(err, ErrTransient) }

// transientError wraps a network-level failure so errors.Is(err, ErrTransient) holds.
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() []error { return []error{e.err, ErrTransient} }
func markTransient(err error) error       { return &transientError{err} }

// UnreachableError is a request that reached no server: the host name
// does not resolve, or nothing answers at its address. A machine without
// network access gets one for every request; callers say so once rather
// than repeat the resolver's message per request.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

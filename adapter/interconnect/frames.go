package interconnect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Frame is one client frame after parsing; only the fields of its Type are
// set. See docs/protocol-interconnect.md for every type.
type Frame struct {
	Type string
	ID   int64 // request id, 1 to 2^53-1; 0 for hello

	// hello
	Role        string // "watch" or "phone"
	Package     string
	Certificate string // PEM, or base64 of DER
	Proof       []byte // signature over proof.Context + nonce; nil if absent
	DID         string // watch
	Passcode    string // watch
	UserID      string // watch, optional
	AppID       string // phone
	Token       string // phone

	Data        string   // send
	TimeoutMS   int64    // diagnosis; 10000 when absent
	Node        string   // phone requests
	Permissions []string // check_permissions, request_permissions
}

// ParseError is a frame the relay refuses; ID is the frame's id when it
// could be read, so the client can match the refusal to its request.
type ParseError struct {
	ID  int64
	Msg string
}

func (e *ParseError) Error() string { return e.Msg }

// Frame types a client may send, and for which role ("" = both).
var frameRoles = map[string]string{
	"hello": "", "ping": "",
	"send":  "", // both roles; the phone's carries node
	"state": "watch", "diagnosis": "watch",
	"nodes": "phone", "installed": "phone", "check_permissions": "phone",
	"request_permissions": "phone", "listen": "phone", "unlisten": "phone",
}

// FrameType is one client frame type and the role that may send it ("" =
// both), for tools that must cover every type (the security suite in
// server/securitytest).
type FrameType struct{ Type, Role string }

// FrameTypes lists the client frame types, sorted by type.
func FrameTypes() []FrameType {
	out := make([]FrameType, 0, len(frameRoles))
	for t, r := range frameRoles {
		out = append(out, FrameType{Type: t, Role: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// wireFrame is the JSON shape; pointers tell absent from empty.
type wireFrame struct {
	Type        string          `json:"type"`
	ID          json.RawMessage `json:"id"`
	Role        string          `json:"role"`
	Package     string          `json:"package"`
	Certificate string          `json:"certificate"`
	Proof       []byte          `json:"proof"` // base64 in JSON
	DID         string          `json:"did"`
	Passcode    string          `json:"passcode"`
	UserID      string          `json:"user_id"`
	AppID       string          `json:"appid"`
	Token       string          `json:"token"`
	Data        *string         `json:"data"`
	Timeout     *int64          `json:"timeout"`
	Node        string          `json:"node"`
	Permissions []string        `json:"permissions"`
}

const maxID = 1<<53 - 1

// ParseFrame reads one client frame. It never panics; what it accepts has
// the fields its type needs, within bounds.
func ParseFrame(b []byte) (Frame, error) {
	var w wireFrame
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&w); err != nil {
		return Frame{}, &ParseError{Msg: "not a JSON object frame: " + trim(err.Error())}
	}
	if dec.More() {
		return Frame{}, &ParseError{Msg: "trailing data after the frame"}
	}
	f := Frame{Type: w.Type}
	if len(w.ID) > 0 && string(w.ID) != "null" {
		if err := json.Unmarshal(w.ID, &f.ID); err != nil || f.ID < 1 || f.ID > maxID {
			return Frame{}, &ParseError{Msg: "id must be an integer from 1 to 2^53-1"}
		}
	}
	bad := func(format string, args ...any) (Frame, error) {
		return Frame{}, &ParseError{ID: f.ID, Msg: fmt.Sprintf(format, args...)}
	}
	if _, ok := frameRoles[w.Type]; !ok {
		return bad("unknown frame type %q", trim(w.Type))
	}
	if w.Type != "hello" && f.ID == 0 {
		return bad("%s needs an id", w.Type)
	}
	switch w.Type {
	case "hello":
		return parseHello(f, w)
	case "send":
		if w.Data == nil {
			return bad("send needs data (a string)")
		}
		f.Data, f.Node = *w.Data, w.Node
		if w.Node != "" && !validDID(w.Node) {
			return bad("node must be a watch did")
		}
	case "diagnosis":
		f.TimeoutMS = 10000
		if w.Timeout != nil {
			if *w.Timeout < 0 {
				return bad("timeout must not be negative")
			}
			f.TimeoutMS = *w.Timeout
		}
	case "installed", "listen", "unlisten", "check_permissions", "request_permissions":
		if !validDID(w.Node) {
			return bad("%s needs node, a watch did", w.Type)
		}
		f.Node = w.Node
		if strings.HasSuffix(w.Type, "_permissions") {
			if len(w.Permissions) == 0 || len(w.Permissions) > 8 {
				return bad("%s needs 1 to 8 permissions", w.Type)
			}
			for _, p := range w.Permissions {
				if p != "data_manager" && p != "notify" {
					return bad("unknown permission %q (data_manager or notify)", trim(p))
				}
			}
			f.Permissions = w.Permissions
		}
	}
	return f, nil
}

func parseHello(f Frame, w wireFrame) (Frame, error) {
	bad := func(format string, args ...any) (Frame, error) {
		return Frame{}, &ParseError{Msg: fmt.Sprintf(format, args...)}
	}
	f.Role, f.Package, f.Certificate, f.Proof = w.Role, w.Package, w.Certificate, w.Proof
	if !validPackage(w.Package) {
		return bad("package must be 1 to 255 characters of letters, digits, '_' and '.', like com.example.app")
	}
	if w.Certificate == "" {
		return bad("hello needs certificate (PEM, or base64 DER)")
	}
	if len(w.Proof) > 1024 {
		return bad("proof longer than 1024 bytes")
	}
	switch w.Role {
	case "watch":
		if !validDID(w.DID) || w.Passcode == "" || len(w.Passcode) > 64 {
			return bad("a watch hello needs did and passcode")
		}
		if len(w.UserID) > 64 {
			return bad("user_id too long")
		}
		f.DID, f.Passcode, f.UserID = w.DID, w.Passcode, w.UserID
	case "phone":
		if w.AppID == "" || len(w.AppID) > 64 || w.Token == "" || len(w.Token) > 128 {
			return bad("a phone hello needs appid and token")
		}
		f.AppID, f.Token = w.AppID, w.Token
	default:
		return bad("role must be watch or phone")
	}
	return f, nil
}

// validPackage accepts Android and quick app package names.
func validPackage(p string) bool {
	if p == "" || len(p) > 255 || p[0] == '.' || p[len(p)-1] == '.' || strings.Contains(p, "..") {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validDID bounds a did without knowing its alphabet (the core checks).
func validDID(d string) bool {
	if d == "" || len(d) > 64 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] <= ' ' || d[i] > '~' {
			return false
		}
	}
	return true
}

// trim keeps echoed client text short in error messages.
func trim(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

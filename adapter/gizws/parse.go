package gizws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Client commands (WebSocket document §1–§8).
const (
	cmdLogin     = "login_req"
	cmdSubscribe = "subscribe_req"
	cmdRaw       = "c2s_raw"
	cmdRead      = "c2s_read"
	cmdWrite     = "c2s_write"
	cmdAck       = "c2s_ack"
	cmdPing      = "ping"
)

// Commands lists every client command the protocol accepts (for tools
// that must cover each, such as the security suite in server/securitytest).
func Commands() []string {
	return []string{cmdLogin, cmdSubscribe, cmdRaw, cmdRead, cmdWrite, cmdAck, cmdPing}
}

// P0 types a session may log in with.
const (
	p0Attrs  = "attrs_v4"
	p0Custom = "custom"
)

// Message is one parsed client message. Only the fields of its Cmd are set.
type Message struct {
	Cmd string
	// Seq numbers the messages of one socket from 1; the reader sets it,
	// ParseMessage does not. With the client id it is the request id of
	// log lines about the message.
	Seq uint64
	// DID is the target device of c2s_raw, c2s_read, c2s_write and c2s_ack.
	DID string
	// SN is req_sn of c2s_read/c2s_write or res_sn of c2s_ack, when HasSN.
	SN    uint32
	HasSN bool
	Login LoginRequest
	// Subscribe lists subscribe_req entries in request order.
	Subscribe []SubscribeEntry
	Names     []string       // c2s_read, nil for "all"
	Attrs     map[string]any // c2s_write, values as encoding/json decodes them
	Raw       []byte         // c2s_raw
}

// LoginRequest is login_req's data after defaults and clamping.
type LoginRequest struct {
	AppID, UID, Token string
	// P0Type is p0Attrs (also when omitted) or p0Custom.
	P0Type string
	// HeartbeatSeconds is in [1, 180]: missing or ≤ 0 means 180, larger
	// values are clamped to 180, fractions are rounded down.
	HeartbeatSeconds int
	// AutoSubscribe defaults to true, as the document says.
	AutoSubscribe bool
}

// SubscribeEntry is one {"did": ...} of subscribe_req. Invalid entries
// (not an object, no string did) are kept so subscribe_res can list them
// as failed.
type SubscribeEntry struct {
	DID   string
	Valid bool
}

// ParseError is why a message was refused; it becomes an s2c_invalid_msg
// (or, for login_req, a failed login_res).
type ParseError struct {
	Code Code
	Msg  string
	DID  string // the message's did when it had one
}

func (e *ParseError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Msg) }

// envelope is the top level every message shares. req_sn, res_sn and did
// sit at the top level in the document (c2s_read, c2s_write, c2s_ack);
// the parser also accepts them inside data.
type envelope struct {
	Cmd   json.RawMessage `json:"cmd"`
	Data  json.RawMessage `json:"data"`
	ReqSN json.RawMessage `json:"req_sn"`
	ResSN json.RawMessage `json:"res_sn"`
	DID   json.RawMessage `json:"did"`
}

// ParseMessage turns one client message into a Message or a *ParseError.
// It is pure (no I/O, no session state) so it can be fuzzed; the returned
// Message has Cmd set whenever the command was recognised, even with an
// error, so login_req failures can be answered with login_res.
func ParseMessage(b []byte) (Message, error) {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return Message{}, &ParseError{Code: CodeBadJSON, Msg: "message is not a JSON object"}
	}
	var cmd string
	if !present(env.Cmd) || json.Unmarshal(env.Cmd, &cmd) != nil {
		return Message{}, &ParseError{Code: CodeBadJSON, Msg: "message has no string cmd"}
	}
	m := Message{Cmd: cmd}
	var err *ParseError
	switch cmd {
	case cmdPing:
	case cmdLogin:
		m.Login, err = parseLogin(env.Data)
	case cmdSubscribe:
		m.Subscribe, err = parseSubscribe(env.Data)
	case cmdRaw:
		err = parseRaw(&m, env.Data)
	case cmdRead, cmdWrite:
		err = parseReadWrite(&m, env)
	case cmdAck:
		err = parseAck(&m, env)
	default:
		return Message{}, &ParseError{Code: CodeUnknownCmd, Msg: "unknown cmd " + strconv.Quote(truncate(cmd, 64))}
	}
	if err != nil {
		if err.DID == "" {
			err.DID = m.DID
		}
		return m, err
	}
	return m, nil
}

func parseLogin(data json.RawMessage) (LoginRequest, *ParseError) {
	var d struct {
		AppID     json.RawMessage `json:"appid"`
		UID       json.RawMessage `json:"uid"`
		Token     json.RawMessage `json:"token"`
		P0Type    json.RawMessage `json:"p0_type"`
		Heartbeat json.RawMessage `json:"heartbeat_interval"`
		AutoSub   json.RawMessage `json:"auto_subscribe"`
	}
	req := LoginRequest{P0Type: p0Attrs, HeartbeatSeconds: maxHeartbeatSeconds, AutoSubscribe: true}
	if !isObject(data) || json.Unmarshal(data, &d) != nil {
		return req, invalid("login_req data must be an object")
	}
	for _, f := range []struct {
		raw  json.RawMessage
		dst  *string
		name string
	}{{d.AppID, &req.AppID, "appid"}, {d.UID, &req.UID, "uid"}, {d.Token, &req.Token, "token"}} {
		if json.Unmarshal(f.raw, f.dst) != nil || *f.dst == "" {
			return req, invalid(f.name + " must be a non-empty string")
		}
	}
	if present(d.P0Type) {
		if json.Unmarshal(d.P0Type, &req.P0Type) != nil || (req.P0Type != p0Attrs && req.P0Type != p0Custom) {
			return req, invalid(`p0_type must be "attrs_v4" or "custom"`)
		}
	}
	// A heartbeat of the wrong type is not worth refusing a login over: it
	// gets the default, like a missing one.
	var hb float64
	if json.Unmarshal(d.Heartbeat, &hb) == nil && hb >= 1 {
		req.HeartbeatSeconds = int(math.Min(hb, maxHeartbeatSeconds))
	}
	var auto bool
	if json.Unmarshal(d.AutoSub, &auto) == nil && present(d.AutoSub) {
		req.AutoSubscribe = auto
	}
	return req, nil
}

func parseSubscribe(data json.RawMessage) ([]SubscribeEntry, *ParseError) {
	var items []json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) || json.Unmarshal(data, &items) != nil {
		return nil, invalid("subscribe_req data must be an array of {\"did\": ...}")
	}
	out := make([]SubscribeEntry, 0, len(items))
	for _, it := range items {
		var e struct {
			DID json.RawMessage `json:"did"`
		}
		var did string
		ok := isObject(it) && json.Unmarshal(it, &e) == nil && json.Unmarshal(e.DID, &did) == nil && did != ""
		out = append(out, SubscribeEntry{DID: did, Valid: ok})
	}
	return out, nil
}

func parseRaw(m *Message, data json.RawMessage) *ParseError {
	var d struct {
		DID json.RawMessage `json:"did"`
		Raw json.RawMessage `json:"raw"`
	}
	if !isObject(data) || json.Unmarshal(data, &d) != nil {
		return invalid("c2s_raw data must be an object")
	}
	if err := parseDID(m, d.DID); err != nil {
		return err
	}
	var raw []int
	if !present(d.Raw) || json.Unmarshal(d.Raw, &raw) != nil || len(raw) == 0 {
		return invalid("raw must be a non-empty array of bytes")
	}
	m.Raw = make([]byte, len(raw))
	for i, v := range raw {
		if v < 0 || v > 255 {
			return invalid("raw must be a non-empty array of bytes (0 to 255)")
		}
		m.Raw[i] = byte(v)
	}
	return nil
}

func parseReadWrite(m *Message, env envelope) *ParseError {
	var d struct {
		DID   json.RawMessage `json:"did"`
		Names json.RawMessage `json:"names"`
		Attrs json.RawMessage `json:"attrs"`
		ReqSN json.RawMessage `json:"req_sn"`
	}
	if !isObject(env.Data) || json.Unmarshal(env.Data, &d) != nil {
		return invalid(m.Cmd + " data must be an object")
	}
	if err := parseDID(m, d.DID); err != nil {
		return err
	}
	if err := parseSN(m, "req_sn", env.ReqSN, d.ReqSN); err != nil {
		return err
	}
	if m.Cmd == cmdRead {
		if present(d.Names) && json.Unmarshal(d.Names, &m.Names) != nil {
			return invalid("names must be an array of strings")
		}
		return nil
	}
	if !isObject(d.Attrs) || json.Unmarshal(d.Attrs, &m.Attrs) != nil {
		return invalid("attrs must be an object")
	}
	if len(m.Attrs) == 0 {
		return invalid("attrs must name at least one datapoint")
	}
	return nil
}

func parseAck(m *Message, env envelope) *ParseError {
	var d struct {
		DID   json.RawMessage `json:"did"`
		ResSN json.RawMessage `json:"res_sn"`
	}
	if present(env.Data) && (!isObject(env.Data) || json.Unmarshal(env.Data, &d) != nil) {
		return invalid("c2s_ack data must be an object")
	}
	did := env.DID
	if !present(did) {
		did = d.DID
	}
	if err := parseDID(m, did); err != nil {
		return err
	}
	if err := parseSN(m, "res_sn", env.ResSN, d.ResSN); err != nil {
		return err
	}
	if !m.HasSN {
		return invalid("c2s_ack needs res_sn")
	}
	return nil
}

func parseDID(m *Message, raw json.RawMessage) *ParseError {
	if json.Unmarshal(raw, &m.DID) != nil || m.DID == "" {
		m.DID = ""
		return invalid("did must be a non-empty string")
	}
	if len(m.DID) > 64 {
		m.DID = ""
		return invalid("did too long")
	}
	return nil
}

// parseSN reads an sn from the top level or, failing that, from data. It
// must be an integer from 0 to 2^32-1 (the P0 sn is 4 bytes).
func parseSN(m *Message, name string, top, inData json.RawMessage) *ParseError {
	raw := top
	if !present(raw) {
		raw = inData
	}
	if !present(raw) {
		return nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return invalid(name + " must be an integer from 0 to 4294967295")
	}
	v, err := strconv.ParseUint(string(n), 10, 32)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f < 0 || f > math.MaxUint32 || f != math.Trunc(f) {
			return invalid(name + " must be an integer from 0 to 4294967295")
		}
		v = uint64(f)
	}
	m.SN, m.HasSN = uint32(v), true
	return nil
}

// present reports whether a field was given and is not null.
func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

func isObject(raw json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))
}

func invalid(msg string) *ParseError { return &ParseError{Code: CodeInvalidField, Msg: msg} }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

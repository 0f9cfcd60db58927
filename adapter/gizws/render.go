package gizws

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Outgoing messages are built by hand: the hot ones (s2c_noti, s2c_raw)
// once per device event and shared by every session that gets them, and
// raw bytes must be a JSON array of numbers, not encoding/json's base64.

var msgPong = []byte(`{"cmd":"pong"}`)

func renderLoginRes(ok bool, code Code, msg string) []byte {
	if ok {
		return []byte(`{"cmd":"login_res","data":{"success":true}}`)
	}
	b := []byte(`{"cmd":"login_res","data":{"success":false,"error_code":`)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"msg":`...)
	b = appendString(b, msg)
	return append(b, "}}"...)
}

func renderInvalid(code Code, msg, did string) []byte {
	b := []byte(`{"cmd":"s2c_invalid_msg","data":{"error_code":`)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"msg":`...)
	b = appendString(b, msg)
	if did != "" {
		b = append(b, `,"did":`...)
		b = appendString(b, did)
	}
	return append(b, "}}"...)
}

// subResult is one entry of subscribe_res.
type subResult struct {
	DID  string
	Code Code
	Msg  string
}

// renderSubscribeRes always writes both arrays (notes §6: the SDKs iterate
// both without checking).
func renderSubscribeRes(ok, failed []subResult) []byte {
	b := []byte(`{"cmd":"subscribe_res","data":{"success":[`)
	b = appendSubResults(b, ok)
	b = append(b, `],"failed":[`...)
	b = appendSubResults(b, failed)
	return append(b, "]}}"...)
}

func appendSubResults(b []byte, rs []subResult) []byte {
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"did":`...)
		b = appendString(b, r.DID)
		b = append(b, `,"error_code":`...)
		b = strconv.AppendInt(b, int64(r.Code), 10)
		b = append(b, `,"msg":`...)
		b = appendString(b, r.Msg)
		b = append(b, '}')
	}
	return b
}

// renderOnlineStatus sends both "online" (the document) and "is_online"
// (what ha-bestway reads, notes §6).
func renderOnlineStatus(did, passcode, mac string, online bool) []byte {
	b := []byte(`{"cmd":"s2c_online_status","data":{"did":`)
	b = appendString(b, did)
	b = append(b, `,"passcode":`...)
	b = appendString(b, passcode)
	b = append(b, `,"mac":`...)
	b = appendString(b, mac)
	b = append(b, `,"online":`...)
	b = strconv.AppendBool(b, online)
	b = append(b, `,"is_online":`...)
	b = strconv.AppendBool(b, online)
	return append(b, "}}"...)
}

func renderBindingChanged(did string, bind bool) []byte {
	b := []byte(`{"cmd":"s2c_binding_changed","data":{"did":`)
	b = appendString(b, did)
	b = append(b, `,"bind":`...)
	b = strconv.AppendBool(b, bind)
	return append(b, "}}"...)
}

func renderRaw(did string, raw []byte) []byte {
	b := make([]byte, 0, 48+len(did)+4*len(raw))
	b = append(b, `{"cmd":"s2c_raw","data":{"did":`...)
	b = appendString(b, did)
	b = append(b, `,"raw":[`...)
	for i, c := range raw {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(c), 10)
	}
	return append(b, "]}}"...)
}

// snField names the sn an s2c_noti carries: none, req_sn (the device sent
// 0x0093 and wants c2s_ack) or res_sn (answers this session's req_sn). The
// document forbids both at once.
type snField int

const (
	snNone snField = iota
	snReq
	snRes
)

func renderNoti(did string, attrs json.RawMessage, field snField, sn uint32) []byte {
	b := make([]byte, 0, 64+len(did)+len(attrs))
	b = append(b, `{"cmd":"s2c_noti",`...)
	switch field {
	case snReq:
		b = append(b, `"req_sn":`...)
		b = strconv.AppendUint(b, uint64(sn), 10)
		b = append(b, ',')
	case snRes:
		b = append(b, `"res_sn":`...)
		b = strconv.AppendUint(b, uint64(sn), 10)
		b = append(b, ',')
	}
	b = append(b, `"data":{"did":`...)
	b = appendString(b, did)
	b = append(b, `,"attrs":`...)
	if len(attrs) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, attrs...)
	}
	return append(b, "}}"...)
}

// renderAck puts res_sn and did at the top level as the document shows,
// and repeats them in data for clients that read every message's data.
func renderAck(did string, sn uint32) []byte {
	b := []byte(`{"cmd":"s2c_ack","res_sn":`)
	b = strconv.AppendUint(b, uint64(sn), 10)
	b = append(b, `,"did":`...)
	b = appendString(b, did)
	b = append(b, `,"data":{"did":`...)
	b = appendString(b, did)
	b = append(b, `,"res_sn":`...)
	b = strconv.AppendUint(b, uint64(sn), 10)
	return append(b, "}}"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// and <, >, & are left alone (these messages are never embedded in HTML).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

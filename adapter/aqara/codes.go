package aqara

// Code is the "code" of an Aqara response envelope (notes aqara.md §3).
// Only codes from the client libraries' lists are emitted: aqara_capi
// parses code into a closed enum and fails on anything else (notes §3, §7).
type Code int

// The codes this adapter emits. This is the only table of them; each has
// its message text in codeText. docs/protocol-aqara.md lists when each is
// sent.
const (
	CodeSuccess       Code = 0    // "Success"
	CodeReplayed      Code = 102  // nonce already used (replay or case variant of a used nonce)
	CodeExpired       Code = 105  // Time outside ±5 min of server time
	CodeBadSign       Code = 106  // Sign does not match
	CodeBadKeyID      Code = 107  // Keyid is not the partner's key
	CodeTokenExpired  Code = 108  // Accesstoken not (or no longer) valid
	CodeTokenAbsent   Code = 109  // Accesstoken needed but not sent
	CodeParams        Code = 302  // body not JSON, too large, or intent data invalid
	CodeMethod        Code = 304  // HTTP method other than POST
	CodeHeader        Code = 305  // a signing header missing or malformed
	CodeIntentNotOpen Code = 306  // intent unknown or not implemented
	CodeForbidden     Code = 403  // partner suspended
	CodeInternal      Code = 500  // unexpected server failure
	CodeAppIDIllegal  Code = 2002 // Appid names no partner
)

// codeText is the message of each code, in the wording of the client
// libraries' tables (aqara_capi consts.py, Aqara.API ErrorCode.cs).
var codeText = map[Code]string{
	CodeSuccess:       "Success",
	CodeReplayed:      "Data package has altered",
	CodeExpired:       "Data package has expired",
	CodeBadSign:       "Invalid sign",
	CodeBadKeyID:      "Illegal appKey",
	CodeTokenExpired:  "Token has expired",
	CodeTokenAbsent:   "Token is absence",
	CodeParams:        "Params error",
	CodeMethod:        "Request method not support",
	CodeHeader:        "Header Params error",
	CodeIntentNotOpen: "Request path not open",
	CodeForbidden:     "Request forbidden",
	CodeInternal:      "Service impl error",
	CodeAppIDIllegal:  "Appid or Appkey illegal",
}

// Message is the envelope message of c.
func (c Code) Message() string {
	if s, ok := codeText[c]; ok {
		return s
	}
	return codeText[CodeInternal]
}

// Codes returns every emitted code (for tests and documentation checks).
func Codes() []Code {
	out := make([]Code, 0, len(codeText))
	for c := range codeText {
		out = append(out, c)
	}
	return out
}

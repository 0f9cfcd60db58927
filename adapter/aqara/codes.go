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
	CodeTimeout       Code = 100  // the call timed out inside the server
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

	CodeDeviceOffline    Code = 602  // write to a device that is not connected (or disabled)
	CodeDeviceNotBound   Code = 757  // subjectId/did not bound to the account (or unknown)
	CodePositionNotFound Code = 701  // positionId not one of the account's
	CodePositionNotEmpty Code = 702  // delete of a position with children or devices
	CodePositionTooDeep  Code = 722  // more than 10 position levels
	CodeModelNotFound    Code = 748  // model (product key) unknown
	CodeAccountNotFound  Code = 801  // account names no user of the partner's user app
	CodeAccountType      Code = 812  // accountType other than 0 and 2
	CodeAuthCodeTooOften Code = 817  // a new auth code for the same account within a minute
	CodeAuthCodeInvalid  Code = 820  // auth code expired, used, or tried 5 times wrong
	CodeResourceValue    Code = 1004 // value does not fit the resource
	CodeNotWritable      Code = 1007 // write to a read-only resource
	CodeResourceUnknown  Code = 1008 // resourceId not a datapoint of the model
	CodeAuthCodeWrong    Code = 2003 // auth code does not match
	CodeAccessTokenWrong Code = 2004 // Accesstoken unknown to this partner
	CodeRefreshWrong     Code = 2006 // refreshToken unknown to this partner
	CodeRefreshExpired   Code = 2007 // refreshToken past its lifetime
	CodeAccountExists    Code = 2016 // accountId taken within the appId
	CodeAppNotActivated  Code = 2022 // partner has no user app set by the operator
)

// codeText is the message of each code, in the wording of the client
// libraries' tables (aqara_capi consts.py, Aqara.API ErrorCode.cs).
var codeText = map[Code]string{
	CodeSuccess:       "Success",
	CodeTimeout:       "Timeout",
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

	CodeDeviceOffline:    "Device offline",
	CodeDeviceNotBound:   "Device not bound to user",
	CodePositionNotFound: "Position not exist",
	CodePositionNotEmpty: "Position cannot delete",
	CodePositionTooDeep:  "Too many position levels",
	CodeModelNotFound:    "Category model not exists",
	CodeAccountNotFound:  "Account not registered",
	CodeAccountType:      "Account type unsupported",
	CodeAuthCodeTooOften: "AuthCode sent too often",
	CodeAuthCodeInvalid:  "AuthCode invalid",
	CodeResourceValue:    "Resource value illegal",
	CodeNotWritable:      "Resource not writable",
	CodeResourceUnknown:  "Resource attr not exist",
	CodeAuthCodeWrong:    "AuthCode incorrect",
	CodeAccessTokenWrong: "AccessToken incorrect",
	CodeRefreshWrong:     "RefreshToken incorrect",
	CodeRefreshExpired:   "RefreshToken expired",
	CodeAccountExists:    "AccountId exists",
	CodeAppNotActivated:  "Application not activated",
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

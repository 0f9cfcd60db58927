package adminapi

import "time"

// Partner is an Aqara-style partner with its request-signing and
// push-signing keys. The secrets (app_key, push_app_secret) are shown: the
// operator hands them to the partner, and they are MD5 signing keys the
// server keeps in the clear anyway.
type Partner struct {
	AppID           string     `json:"app_id"`
	KeyID           string     `json:"key_id"`
	AppKey          string     `json:"app_key"`
	Name            string     `json:"name"`
	PushURL         string     `json:"push_url"`
	PushSign        bool       `json:"push_sign"`
	PushAppKey      string     `json:"push_app_key"`
	PushAppSecret   string     `json:"push_app_secret"`
	Suspended       bool       `json:"suspended"`
	SuspendedReason string     `json:"suspended_reason"`
	SuspendedAt     *time.Time `json:"suspended_at"`
	UserAppID       string     `json:"user_app_id"`
	Push            PushHealth `json:"push"`
	CreatedAt       time.Time  `json:"created_at"`
}

// PushHealth is how a partner's pushes fare.
type PushHealth struct {
	State       string     `json:"state"` // active, warned, suspended
	Pending     int64      `json:"pending"`
	Delivered   int64      `json:"delivered"`   // since this node started
	Attempts5m  int        `json:"attempts_5m"` // in the failure window
	Failed5m    int        `json:"failed_5m"`
	WarnedAt    *time.Time `json:"warned_at"`
	SuspendedAt *time.Time `json:"suspended_at"`
	LastError   string     `json:"last_error"`
}

// PartnerSettings is the body of POST and PUT /admin/v1/partners[/{appid}]:
// what an operator sets on a partner. PushURL empty means no push.
type PartnerSettings struct {
	Name      string `json:"name"`
	PushURL   string `json:"push_url"`
	PushSign  bool   `json:"push_sign"`
	UserAppID string `json:"user_app_id"`
}

// FailedPush is a push that failed at least once.
type FailedPush struct {
	MsgID     string     `json:"msg_id"`
	CreatedAt time.Time  `json:"created_at"`
	FailedAt  *time.Time `json:"failed_at"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	State     string     `json:"state"` // pending, delivered, dead
	NextAt    *time.Time `json:"next_at"`
	Body      string     `json:"body"` // the core's payload (JSON)
}

// AuthCode is a pending config.auth.getAuthCode code.
type AuthCode struct {
	UID       string    `json:"uid"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PartnerList is GET /admin/v1/partners.
type PartnerList struct {
	Partners []Partner `json:"partners"`
}

// FailedPushList is GET /admin/v1/partners/{appid}/pushes/failed.
type FailedPushList struct {
	Pushes []FailedPush `json:"pushes"`
}

// AuthCodeList is GET /admin/v1/partners/{appid}/auth-codes.
type AuthCodeList struct {
	AuthCodes []AuthCode `json:"auth_codes"`
}

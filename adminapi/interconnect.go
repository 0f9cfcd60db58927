package adminapi

// InterconnectPair is one pair of GET /admin/v1/interconnect/pairs
// (docs/protocol-interconnect.md, "Admin API"); the web console renders
// exactly these fields.
type InterconnectPair struct {
	UserID               string  `json:"user_id"`
	Package              string  `json:"package"`
	Fingerprint          string  `json:"fingerprint"`
	WatchDID             string  `json:"watch_did"`
	WatchConnected       bool    `json:"watch_connected"`
	PhoneConnected       bool    `json:"phone_connected"`
	State                string  `json:"state"`
	MessagesWatchToPhone int64   `json:"messages_watch_to_phone"`
	MessagesPhoneToWatch int64   `json:"messages_phone_to_watch"`
	LastMessageAt        *string `json:"last_message_at"`
}

// InterconnectPairList is GET /admin/v1/interconnect/pairs.
type InterconnectPairList struct {
	Pairs []InterconnectPair `json:"pairs"`
}

package interconnect

import (
	"encoding/json"

	"github.com/switchboard-iot/switchboard/relay"
)

// Server frames. Every field a client reads is always present (code 0 too),
// except the per-request extras.

type challengeFrame struct {
	Type            string `json:"type"`
	Version         int    `json:"version"`
	Nonce           []byte `json:"nonce"`
	MaxMessageBytes int    `json:"max_message_bytes"`
	ProofRequired   bool   `json:"proof_required"`
}

type welcomeFrame struct {
	Type              string `json:"type"`
	Role              string `json:"role"`
	UserID            string `json:"user_id"`
	Package           string `json:"package"`
	Fingerprint       string `json:"fingerprint"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	Proven            bool   `json:"proven"`
}

type resultFrame struct {
	Type        string     `json:"type"`
	ID          int64      `json:"id"`
	Code        int        `json:"code"`
	Message     string     `json:"message,omitempty"`
	Status      *int       `json:"status,omitempty"`
	Nodes       []nodeView `json:"nodes,omitempty"`
	Installed   *bool      `json:"installed,omitempty"`
	Granted     []bool     `json:"granted,omitempty"`
	Permissions []string   `json:"permissions,omitempty"`
}

type nodeView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type eventFrame struct {
	Type      string `json:"type"`
	Code      int    `json:"code,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Message   string `json:"message,omitempty"`
	Node      string `json:"node,omitempty"`
	Connected *bool  `json:"connected,omitempty"`
}

type messageFrame struct {
	Type string `json:"type"`
	Node string `json:"node,omitempty"`
	Data string `json:"data"`
}

type fatalFrame struct {
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func render(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every frame is plain data; this cannot happen.
		panic("interconnect: render: " + err.Error())
	}
	return b
}

// renderEvent turns a relay event into the frame its role expects.
func renderEvent(e relay.Event) []byte {
	switch e.Kind {
	case relay.EventOpen:
		return render(eventFrame{Type: "open"})
	case relay.EventClose:
		return render(eventFrame{Type: "close", Code: e.Code, Reason: e.Text})
	case relay.EventError:
		return render(eventFrame{Type: "error", Code: e.Code, Message: e.Text})
	default: // relay.EventNode
		c := e.Connected
		return render(eventFrame{Type: "node", Node: e.Node, Connected: &c})
	}
}

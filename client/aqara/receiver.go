package aqara

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
)

// Push is one received message push.
type Push struct {
	Token string          // body token: the openId the message is about
	Data  json.RawMessage // the message (body data, decoded from its string)
	MsgID string          // Data's msgId, the de-duplication key
}

// Receiver is an http.Handler for a partner's push URL. It checks the
// signature when AppSecret is set (appkey/sign headers, ±5 minutes, nonce
// not reused), answers {"code":0} and hands each push to OnPush; a push
// that fails the checks gets HTTP 401 or 400 and is retried by the server.
type Receiver struct {
	AppSecret string // "" accepts unsigned pushes
	OnPush    func(Push)

	mu     sync.Mutex
	nonces map[string]time.Time
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if rc.AppSecret != "" {
		h := aqarasign.PushHeadersFrom(r.Header)
		if err := aqarasign.VerifyPush(h, rc.AppSecret, time.Now(), aqarasign.DefaultWindow); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if !rc.fresh(h.Nonce) {
			http.Error(w, "nonce reused", http.StatusUnauthorized)
			return
		}
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var body struct {
		Token string `json:"token"`
		Data  string `json:"data"`
	}
	var msg struct {
		MsgID string `json:"msgId"`
	}
	if json.Unmarshal(raw, &body) != nil || json.Unmarshal([]byte(body.Data), &msg) != nil || msg.MsgID == "" {
		http.Error(w, "not a push body", http.StatusBadRequest)
		return
	}
	if rc.OnPush != nil {
		rc.OnPush(Push{Token: body.Token, Data: json.RawMessage(body.Data), MsgID: msg.MsgID})
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"code":0}`)
}

// fresh records a nonce and reports whether it is new; nonces older than
// twice the window are forgotten.
func (rc *Receiver) fresh(nonce string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	now := time.Now()
	if rc.nonces == nil {
		rc.nonces = map[string]time.Time{}
	}
	if len(rc.nonces) > 100_000 {
		for n, at := range rc.nonces {
			if now.Sub(at) > 2*aqarasign.DefaultWindow {
				delete(rc.nonces, n)
			}
		}
	}
	if _, seen := rc.nonces[nonce]; seen {
		return false
	}
	rc.nonces[nonce] = now
	return true
}

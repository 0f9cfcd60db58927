// Package aqara is a small Go client for Switchboard's Aqara-compatible
// partner API: it signs intent calls (codec/aqarasign) and receives signed
// message pushes. examples/aqara-partner is a command line around it, and
// the tests use it as a partner would.
package aqara

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
)

// Client calls POST /v3.0/open/api.
type Client struct {
	URL         string // e.g. http://127.0.0.1:8080/v3.0/open/api
	AppID       string
	KeyID       string
	AppKey      string
	AccessToken string // "" for the auth intents
	HTTP        *http.Client
}

// Envelope is every answer.
type Envelope struct {
	Code       int             `json:"code"`
	RequestID  string          `json:"requestId"`
	Message    string          `json:"message"`
	MsgDetails *string         `json:"msgDetails"`
	Result     json.RawMessage `json:"result"`
}

// Error is a non-zero code.
type Error struct{ Envelope }

func (e *Error) Error() string {
	d := ""
	if e.MsgDetails != nil {
		d = ": " + *e.MsgDetails
	}
	return fmt.Sprintf("aqara: %d %s%s", e.Code, e.Message, d)
}

// Call sends intent with data and decodes the result into result (which
// may be nil). A non-zero code is returned as *Error.
func (c *Client) Call(ctx context.Context, intent string, data, result any) error {
	env, err := c.Do(ctx, intent, data)
	if err != nil {
		return err
	}
	if env.Code != 0 {
		return &Error{env}
	}
	if result != nil && len(env.Result) > 0 && string(env.Result) != "null" {
		return json.Unmarshal(env.Result, result)
	}
	return nil
}

// Do sends intent with data and returns the envelope whatever its code.
func (c *Client) Do(ctx context.Context, intent string, data any) (Envelope, error) {
	body, err := json.Marshal(map[string]any{"intent": intent, "data": data})
	if err != nil {
		return Envelope{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return Envelope{}, err
	}
	nonce, ms := Nonce(), strconv.FormatInt(time.Now().UnixMilli(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(aqarasign.HeaderAppID, c.AppID)
	req.Header.Set(aqarasign.HeaderKeyID, c.KeyID)
	req.Header.Set(aqarasign.HeaderNonce, nonce)
	req.Header.Set(aqarasign.HeaderTime, ms)
	if c.AccessToken != "" {
		req.Header.Set(aqarasign.HeaderAccessToken, c.AccessToken)
	}
	req.Header.Set(aqarasign.HeaderSign, aqarasign.RequestSign(c.AccessToken, c.AppID, c.KeyID, nonce, ms, c.AppKey))
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Envelope{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return Envelope{}, err
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Envelope{}, fmt.Errorf("aqara: HTTP %d, not an envelope: %.200s", resp.StatusCode, raw)
	}
	return env, nil
}

// Nonce returns a fresh 16-hex-digit nonce.
func Nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

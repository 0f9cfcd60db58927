package aqara

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// The sender is the Aqara wire format of a push: it renders the outbox
// row as the partner's message, signs the request when the partner asked
// for it, and POSTs it. Only HTTP 200 with a JSON body whose code is 0
// counts as delivered (spec 003); anything else (another status or body,
// a timeout, a refused connection) is an error, which the partner domain's
// delivery loop (partners/delivery.go) retries and counts.

// PushOptions tune push delivery: the HTTP side here, the retry policy in
// partners.DeliveryOptions (Delivery gives both); zero values take the
// defaults.
type PushOptions struct {
	Timeout  time.Duration // per attempt; default 5s
	RetryMin time.Duration // first back-off; default 1s
	RetryMax time.Duration // back-off cap; default 10m
	GiveUp   time.Duration // retry horizon from the event; default 48h
	// MaxInFlight caps each partner's window of attempts in flight (it
	// adapts between 1 and this: partners/window.go); default
	// partners.DefaultMaxInFlight.
	MaxInFlight int
	Batch       int          // least pushes kept claimed ahead per partner; default 1024
	Client      *http.Client // default: one with Timeout
	// RootCAs verify partners' https:// push URLs; nil means the system's
	// roots. Verification is never skipped: a partner on a private CA is
	// trusted by adding that CA (serve --push-ca-file), not by turning
	// checks off.
	RootCAs *x509.CertPool
}

// Delivery is the retry policy of o for the partner domain.
func (o PushOptions) Delivery() partners.DeliveryOptions {
	return partners.DeliveryOptions{RetryMin: o.RetryMin, RetryMax: o.RetryMax, GiveUp: o.GiveUp,
		MaxInFlight: o.MaxInFlight, Batch: o.Batch, AttemptTimeout: o.Timeout, FailedRetention: FailedRetention}
}

// maxAnswer bounds the partner's answer read per push; maxDrain what is
// read past it to keep the connection.
const (
	maxAnswer = 4 << 10
	maxDrain  = 64 << 10
)

// Sender delivers one push attempt over HTTP (partners.Sender).
type Sender struct {
	api    *API
	client *http.Client
}

var _ partners.Sender = (*Sender)(nil)

// NewSender returns a sender that renders with api.
func NewSender(api *API, o PushOptions) *Sender {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = partners.DefaultMaxInFlight
	}
	if o.Client == nil {
		// One kept-alive connection per attempt in flight: as many idle
		// connections kept per host as a window can use, and no more open
		// at once (a partner's host sees at most MaxInFlight connections
		// from this node; partners sharing a host share that bound).
		o.Client = &http.Client{Timeout: o.Timeout, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: o.MaxInFlight, MaxConnsPerHost: o.MaxInFlight,
			IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: o.Timeout,
			TLSClientConfig: &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		}}
	}
	return &Sender{api: api, client: o.Client}
}

// Send makes one attempt; nil means the partner answered {"code":0}.
func (s *Sender) Send(ctx context.Context, partner partners.Partner, push store.Push) error {
	m, err := decodeMessage(push.Payload)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	msg, err := s.api.render(ctx, push.MsgID, m)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	body, _ := json.Marshal(pushBody{Token: m.OpenID, Data: string(msg)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, partner.PushURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	nonce, ms := newNonce(), strconv.FormatInt(time.Now().UnixMilli(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(aqarasign.PushHeaderTime, ms)
	req.Header.Set(aqarasign.PushHeaderNonce, nonce)
	if partner.PushSign {
		req.Header.Set(aqarasign.PushHeaderAppKey, partner.PushAppKey)
		req.Header.Set(aqarasign.PushHeaderSign, aqarasign.PushSign(partner.PushAppKey, nonce, ms, "", partner.PushAppSecret))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	// A connection is kept alive only when its answer was read to the end:
	// drain a longer one (bounded) rather than lose the connection.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if err != nil {
		return fmt.Errorf("reading answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var a struct {
		Code *json.Number `json:"code"`
	}
	if err := json.Unmarshal(answer, &a); err != nil || a.Code == nil || a.Code.String() != "0" {
		return fmt.Errorf("answer is not {\"code\":0}: %q", truncate(string(answer), 100))
	}
	return nil
}

func newNonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

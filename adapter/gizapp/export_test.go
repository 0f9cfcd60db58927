package gizapp

import (
	"time"

	"golang.org/x/time/rate"
)

// Hooks for the external tests (package gizapp_test) into pure helpers.

// RouteKeys lists "METHOD path" for every route of the table.
func RouteKeys() []string {
	var a API
	var out []string
	for _, rt := range a.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

var (
	ProductSignature   = productSignature
	SignatureValid     = signatureValid
	TimestampFresh     = timestampFresh
	OpenAPIDoc         = openAPIDoc
	UserClientID       = userClientID
	DecodeLabels       = decodeLabels
	EncodeLabels       = encodeLabels
	ParseUserUpdateErr = func(b []byte) error { _, err := parseUserUpdate(b); return err }
)

// Control is parseControl's result in exported form.
type Control struct {
	Attrs  map[string]any
	Base64 bool
	Raw    []byte
}

func ParseControl(body []byte) (Control, error) {
	c, err := parseControl(body)
	return Control(c), err
}

func ParseDevices(body []byte) (dids []string, err error) {
	ds, err := parseDevices(body)
	for _, d := range ds {
		dids = append(dids, d.DID)
	}
	return dids, err
}

func ParseBindingUpdate(body []byte) (remark, alias *string, labels []string, err error) {
	u, err := parseBindingUpdate(body)
	return u.Remark, u.Alias, u.Labels, err
}

// Limiter exposes the per-IP bucket map.
type Limiter struct{ l *limiter }

func NewLimiter(perSecond float64, burst, max int) Limiter {
	return Limiter{newLimiter(rate.Limit(perSecond), burst, max)}
}
func (l Limiter) AllowAt(key string, now time.Time) bool { return l.l.allowAt(key, now) }
func (l Limiter) Size() int                              { return l.l.size() }
